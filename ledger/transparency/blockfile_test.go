package transparency

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/highwayhash"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
)

// The tamper tests edit JetStream's file store the way an attacker with
// the disk would: parse the message blocks of a stream, change them,
// write them back with valid per-record checksums (nats-server v2.15's
// record layout: total_len(4) seq(8) ts(8) subj_len(2) subj [hdr_len(4) hdr]
// msg highwayhash64(8), little-endian, the hash keyed by
// sha256("<stream>-<block index>") over seq, ts, subject, header and
// message), and delete the stream's index.db so the server rebuilds its
// state from the blocks.

const (
	blkHeaderSize = 22
	blkHashSize   = 8
	blkHeaderBit  = 1 << 31
	blkEraseBit   = 1 << 63
	blkTombBit    = 1 << 62
)

type blkRecord struct {
	seq  uint64
	ts   int64
	subj string
	hdr  []byte
	msg  []byte
}

type streamBlocks struct {
	stream string
	dir    string
	blocks map[uint32][]blkRecord
}

// readBlocks parses the ledger stream's blocks in a stopped data dir.
func readBlocks(t *testing.T, dataDir string) *streamBlocks {
	return readStreamBlocks(t, dataDir, ledger.StreamName)
}

func readStreamBlocks(t *testing.T, dataDir, stream string) *streamBlocks {
	t.Helper()
	dir := filepath.Join(dataDir, "nats", "jetstream", "$G", "streams", stream, "msgs")
	b := &streamBlocks{stream: stream, dir: dir, blocks: map[uint32][]blkRecord{}}
	files, err := filepath.Glob(filepath.Join(b.dir, "*.blk"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		idx, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(f), ".blk"), 10, 32)
		require.NoError(t, err)
		buf, err := os.ReadFile(f)
		require.NoError(t, err)
		var recs []blkRecord
		for len(buf) > 0 {
			require.GreaterOrEqual(t, len(buf), blkHeaderSize)
			le := binary.LittleEndian
			rl := le.Uint32(buf)
			hasHdr := rl&blkHeaderBit != 0
			rl &^= blkHeaderBit
			rec := blkRecord{seq: le.Uint64(buf[4:]), ts: int64(le.Uint64(buf[12:]))}
			require.Zero(t, rec.seq&(blkEraseBit|blkTombBit), "erased or tombstone record in a DenyDelete stream")
			slen := int(le.Uint16(buf[20:]))
			body := buf[blkHeaderSize : int(rl)-blkHashSize]
			rec.subj = string(body[:slen])
			body = body[slen:]
			if hasHdr {
				hl := le.Uint32(body)
				rec.hdr = append([]byte(nil), body[4:4+hl]...)
				body = body[4+hl:]
			}
			rec.msg = append([]byte(nil), body...)
			recs = append(recs, rec)
			buf = buf[rl:]
		}
		b.blocks[uint32(idx)] = recs
	}
	return b
}

// record returns the record stored at seq.
func (b *streamBlocks) record(t *testing.T, seq uint64) *blkRecord {
	t.Helper()
	for _, recs := range b.blocks {
		for i := range recs {
			if recs[i].seq == seq {
				return &recs[i]
			}
		}
	}
	t.Fatalf("no record at seq %d", seq)
	return nil
}

// records lists every record in sequence order (pointers into the blocks).
func (b *streamBlocks) records() []*blkRecord {
	var out []*blkRecord
	for _, recs := range b.blocks {
		for i := range recs {
			out = append(out, &recs[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// remove deletes the record at seq, leaving a gap in the sequence.
func (b *streamBlocks) remove(t *testing.T, seq uint64) {
	t.Helper()
	for idx, recs := range b.blocks {
		for i := range recs {
			if recs[i].seq == seq {
				b.blocks[idx] = append(recs[:i:i], recs[i+1:]...)
				return
			}
		}
	}
	t.Fatalf("no record at seq %d", seq)
}

// write stores every block back with fresh checksums and drops the stream
// state so the server rebuilds it from the blocks.
func (b *streamBlocks) write(t *testing.T) {
	t.Helper()
	idxs := make([]uint32, 0, len(b.blocks))
	for idx := range b.blocks {
		idxs = append(idxs, idx)
	}
	sort.Slice(idxs, func(i, j int) bool { return idxs[i] < idxs[j] })
	for _, idx := range idxs {
		key := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", b.stream, idx)))
		hh, err := highwayhash.New64(key[:])
		require.NoError(t, err)
		var out []byte
		le := binary.LittleEndian
		for _, r := range b.blocks[idx] {
			rl := blkHeaderSize + len(r.subj) + len(r.msg) + blkHashSize
			if len(r.hdr) > 0 {
				rl += 4 + len(r.hdr)
			}
			l := uint32(rl)
			if len(r.hdr) > 0 {
				l |= blkHeaderBit
			}
			start := len(out)
			out = le.AppendUint32(out, l)
			out = le.AppendUint64(out, r.seq)
			out = le.AppendUint64(out, uint64(r.ts))
			out = le.AppendUint16(out, uint16(len(r.subj)))
			out = append(out, r.subj...)
			if len(r.hdr) > 0 {
				out = le.AppendUint32(out, uint32(len(r.hdr)))
				out = append(out, r.hdr...)
			}
			out = append(out, r.msg...)
			hh.Reset()
			hh.Write(out[start+4 : start+20])
			hh.Write([]byte(r.subj))
			hh.Write(r.hdr)
			hh.Write(r.msg)
			out = hh.Sum(out)
		}
		require.NoError(t, os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%d.blk", idx)), out, 0o600))
	}
	require.NoError(t, os.Remove(filepath.Join(b.dir, "index.db")))
}
