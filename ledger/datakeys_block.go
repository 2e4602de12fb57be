package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Data keys are stored in blocks: one message holds many keys, sealed
// together by the barrier, on a subject of its own (the block's random
// id). A key's id is "<block id>-<slot>". Creating keys stores a new block;
// erasing keys stores the block again without them and securely deletes
// the previous version, so the erased keys' bytes are overwritten on disk.
// Ids without a slot are the one-key-per-message layout of older data
// dirs, still read and erased as before.
const (
	blockPrefix = dataKeyPrefix + "b."
	blockFormat = 1
	// maxBlockKeys bounds one block (and one rewrite).
	maxBlockKeys = 1024
)

// dataKeyRef is a parsed data key id.
type dataKeyRef struct {
	block  string // empty for a legacy key
	slot   uint32
	legacy string
}

func parseDataKeyID(id string) (dataKeyRef, error) {
	block, slot, ok := strings.Cut(id, "-")
	if !ok {
		if !isHexID(id) {
			return dataKeyRef{}, fmt.Errorf("%w: malformed data key id", ErrCorrupt)
		}
		return dataKeyRef{legacy: id}, nil
	}
	n, err := strconv.ParseUint(slot, 10, 32)
	if err != nil || !isHexID(block) {
		return dataKeyRef{}, fmt.Errorf("%w: malformed data key id", ErrCorrupt)
	}
	return dataKeyRef{block: block, slot: uint32(n)}, nil
}

func blockKeyID(block string, slot uint32) string {
	return block + "-" + strconv.FormatUint(uint64(slot), 10)
}

// isHexID reports an id NewID could have made: it goes into a subject.
func isHexID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func blockSubject(block string) string { return blockPrefix + block }

func blockAAD(block string) []byte { return []byte("coffer-datakey-block\x00" + block) }

// keyBlock is a block's plaintext: slot -> key.
type keyBlock map[uint32][]byte

func (kb keyBlock) marshal() []byte {
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(kb)*(binary.MaxVarintLen32+KeySize))
	out = append(out, blockFormat)
	out = binary.AppendUvarint(out, uint64(len(kb)))
	for slot, key := range kb {
		out = binary.AppendUvarint(out, uint64(slot))
		out = append(out, key...)
	}
	return out
}

func unmarshalKeyBlock(b []byte) (keyBlock, error) {
	if len(b) < 1 || b[0] != blockFormat {
		return nil, fmt.Errorf("%w: data key block format", ErrCorrupt)
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxBlockKeys {
		return nil, fmt.Errorf("%w: data key block count", ErrCorrupt)
	}
	b = b[k:]
	kb := make(keyBlock, n)
	for i := uint64(0); i < n; i++ {
		slot, k := binary.Uvarint(b)
		if k <= 0 || len(b) < k+KeySize {
			return nil, fmt.Errorf("%w: data key block truncated", ErrCorrupt)
		}
		kb[uint32(slot)] = append([]byte(nil), b[k:k+KeySize]...)
		b = b[k+KeySize:]
	}
	return kb, nil
}

// storeBlock creates n keys in one new block and returns their ids and
// keys in slot order.
func (d *DataKeys) storeBlock(ctx context.Context, n int) ([]string, [][]byte, error) {
	b, err := d.getBarrier()
	if err != nil {
		return nil, nil, err
	}
	block := NewID()
	kb := make(keyBlock, n)
	ids, keys := make([]string, n), make([][]byte, n)
	for i := range n {
		keys[i], ids[i] = RandomKey(), blockKeyID(block, uint32(i))
		kb[uint32(i)] = keys[i]
	}
	sealed := b.Seal(blockAAD(block), kb.marshal())
	if err := d.guard.check(len(sealed)); err != nil {
		return nil, nil, err
	}
	if _, err := d.js.Publish(ctx, blockSubject(block), sealed, jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		return nil, nil, fmt.Errorf("ledger: store data keys: %w", err)
	}
	d.count(func(s *DataKeyStats) { s.Blocks++; s.Created += uint64(n) })
	return ids, keys, nil
}

// readBlock returns a block's current version and its keys, or
// ErrDataKeyDestroyed when no version is left.
func (d *DataKeys) readBlock(ctx context.Context, block string) (*jetstream.RawStreamMsg, keyBlock, error) {
	b, err := d.getBarrier()
	if err != nil {
		return nil, nil, err
	}
	m, err := d.stream.GetLastMsgForSubject(ctx, blockSubject(block))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil, ErrDataKeyDestroyed
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: read data keys: %w", err)
	}
	pt, err := b.Open(blockAAD(block), m.Data)
	if err != nil {
		return nil, nil, err
	}
	kb, err := unmarshalKeyBlock(pt)
	if err != nil {
		return nil, nil, err
	}
	return m, kb, nil
}

// eraseFromBlock stores the block again without slots and securely
// deletes the version that held them (all older versions, in fact: a
// crash between the two steps leaves one behind, and the erase job that
// was not acknowledged comes back to finish it).
func (d *DataKeys) eraseFromBlock(ctx context.Context, block string, slots []uint32) error {
	m, kb, err := d.readBlock(ctx, block)
	if errors.Is(err, ErrDataKeyDestroyed) {
		return nil
	}
	if err != nil {
		return err
	}
	before := len(kb)
	for _, s := range slots {
		delete(kb, s)
	}
	if len(kb) == before {
		return d.dropOlderVersions(ctx, block, m.Sequence)
	}
	if err := d.guard.check(0); err != nil {
		return err
	}
	if len(kb) > 0 {
		b, err := d.getBarrier()
		if err != nil {
			return err
		}
		if _, err := d.js.Publish(ctx, blockSubject(block), b.Seal(blockAAD(block), kb.marshal()),
			jetstream.WithExpectLastSequencePerSubject(m.Sequence)); err != nil {
			return fmt.Errorf("ledger: rewrite data key block: %w", err)
		}
		d.count(func(s *DataKeyStats) { s.Rewrites++ })
	}
	if err := d.stream.SecureDeleteMsg(ctx, m.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("ledger: erase data key block version: %w", err)
	}
	d.count(func(s *DataKeyStats) { s.Erased += uint64(before - len(kb)); s.SecureDeletes++ })
	return nil
}

// dropOlderVersions securely deletes every version of a block before
// current.
func (d *DataKeys) dropOlderVersions(ctx context.Context, block string, current uint64) error {
	subj := blockSubject(block)
	for {
		m, err := d.stream.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ledger: find old data key block versions: %w", err)
		}
		if m.Sequence >= current {
			return nil
		}
		if err := d.stream.SecureDeleteMsg(ctx, m.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return fmt.Errorf("ledger: erase data key block version: %w", err)
		}
		d.count(func(s *DataKeyStats) { s.SecureDeletes++ })
	}
}

// eraseLegacy erases a key of the one-key-per-message layout.
func (d *DataKeys) eraseLegacy(ctx context.Context, id string) error {
	m, err := d.stream.GetLastMsgForSubject(ctx, dataKeyPrefix+id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: find data key: %w", err)
	}
	if err := d.stream.SecureDeleteMsg(ctx, m.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("ledger: erase data key: %w", err)
	}
	d.count(func(s *DataKeyStats) { s.Erased++; s.SecureDeletes++ })
	return nil
}

// erase erases every key of every request, one rewrite per block, and
// answers each request with the errors of its own blocks.
func (d *DataKeys) eraseKeys(reqs [][]string) []error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*apiTimeout)
	defer cancel()
	d.erasing.Add(1)
	d.eraseGen.Add(1)
	defer func() {
		d.eraseGen.Add(1)
		d.erasing.Add(-1)
	}()
	slots := map[string][]uint32{}
	var order []string
	for _, ids := range reqs {
		for _, id := range ids {
			d.cache.Delete(id)
			ref, err := parseDataKeyID(id)
			if err != nil || ref.block == "" {
				continue
			}
			if _, ok := slots[ref.block]; !ok {
				order = append(order, ref.block)
			}
			slots[ref.block] = append(slots[ref.block], ref.slot)
		}
	}
	blockErr := map[string]error{}
	for _, block := range order {
		if err := d.eraseFromBlock(ctx, block, slots[block]); err != nil {
			blockErr[block] = err
		}
	}
	errs := make([]error, len(reqs))
	for i, ids := range reqs {
		var all []error
		seen := map[string]bool{}
		for _, id := range ids {
			ref, err := parseDataKeyID(id)
			switch {
			case err != nil:
				all = append(all, err)
			case ref.block == "":
				all = append(all, d.eraseLegacy(ctx, ref.legacy))
			case !seen[ref.block]:
				seen[ref.block] = true
				all = append(all, blockErr[ref.block])
			}
		}
		errs[i] = errors.Join(all...)
	}
	return errs
}
