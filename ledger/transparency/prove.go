package transparency

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cofferhq/coffer/ledger"
)

// Proof shows that the message stored at Index is in the tree a signed
// checkpoint commits to. Everything in it is public: hashes, the subject, the
// headers (message id, publish controls) and the stored time; never the
// (encrypted) data.
type Proof struct {
	// Index is the ledger index (stream sequence) of the message.
	Index uint64 `json:"index"`
	// LeafIndex is the message's position in the tree.
	LeafIndex int64       `json:"leaf_index"`
	Subject   string      `json:"subject"`
	Header    nats.Header `json:"header,omitempty"`
	Stored    time.Time   `json:"stored"`
	// ContentHash is ContentHash of the stored message, so a holder of the
	// message (a backup, a mirror) can tie it to this proof.
	ContentHash tlog.Hash `json:"content_hash"`
	// LeafHash is LeafHash(Index, ContentHash).
	LeafHash tlog.Hash `json:"leaf_hash"`
	TreeSize int64     `json:"tree_size"`
	RootHash tlog.Hash `json:"root_hash"`
	// Hashes is the RFC 6962 audit path (tlog.RecordProof).
	Hashes []tlog.Hash `json:"proof"`
	// Checkpoint is the signed note committing to TreeSize and RootHash.
	Checkpoint string `json:"checkpoint"`
}

// Prove builds the inclusion proof of the message stored at index in the
// latest checkpoint that covers it. It checks the proof against that
// checkpoint's root before returning it, but not the checkpoint's signature:
// CheckProof does that with the key the caller trusts.
func Prove(ctx context.Context, src Source, index uint64) (Proof, error) {
	if index == 0 {
		return Proof{}, fmt.Errorf("%w: index 0", ErrNotFound)
	}
	m, err := src.Get(ctx, ledger.StreamName, index)
	if err != nil {
		return Proof{}, err
	}
	cp, err := latestCheckpoint(ctx, src)
	if err != nil {
		return Proof{}, err
	}
	// A healthy ledger has no gaps, so the message at index is leaf index-1;
	// anything else fails the proof check below.
	leaf := int64(index) - 1
	if cp.Size <= leaf {
		return Proof{}, fmt.Errorf("%w: %d (the latest checkpoint covers %d messages)", ErrNoCheckpoint, index, cp.Size)
	}
	content := ContentHash(m)
	p := Proof{Index: index, LeafIndex: leaf, Subject: m.Subject, Header: m.Header, Stored: m.Stored,
		ContentHash: tlog.Hash(content), LeafHash: LeafHash(index, content),
		TreeSize: cp.Size, RootHash: cp.Root, Checkpoint: cp.Note}
	// The leaf store is 32 bytes a message, far cheaper to read than the
	// messages; fall back to the messages when it is short or disagrees.
	var errs []error
	for _, leaves := range []iter2{storedLeaves(ctx, src), messageLeaves(ctx, src)} {
		path, err := auditPath(cp, leaf, leaves)
		if err == nil && tlog.CheckRecord(path, cp.Size, cp.Root, leaf, p.LeafHash) == nil {
			p.Hashes = path
			return p, nil
		}
		if err == nil {
			err = fmt.Errorf("%w: the message at %d is not the one checkpointed", ErrBadProof, index)
		}
		errs = append(errs, err)
	}
	return Proof{}, errors.Join(errs...)
}

// auditPath streams leaves into a tree of cp.Size leaves, keeping only the
// stored hashes the audit path of leaf needs, and checks the root.
func auditPath(cp Checkpoint, leaf int64, leaves iter2) (tlog.RecordProof, error) {
	var need []int64
	capture := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		need = idx
		return make([]tlog.Hash, len(idx)), nil
	})
	if _, err := tlog.ProveRecord(cp.Size, leaf, capture); err != nil {
		return nil, fmt.Errorf("transparency: audit path: %w", err)
	}
	t := newTree()
	t.keepIndexes(need)
	for h, err := range leaves {
		if err != nil {
			return nil, err
		}
		if err := t.add(h); err != nil {
			return nil, err
		}
		if t.n%markEvery == 0 {
			t.mark()
		}
		if t.n == cp.Size {
			break
		}
	}
	if t.n != cp.Size {
		return nil, fmt.Errorf("%w: %d leaves stored, checkpoint covers %d", ErrNotFound, t.n, cp.Size)
	}
	if root, err := t.root(); err != nil || root != cp.Root {
		return nil, fmt.Errorf("%w: leaves do not reproduce the checkpoint of %d", ErrBadProof, cp.Size)
	}
	return tlog.ProveRecord(cp.Size, leaf, t)
}

type iter2 = func(yield func(tlog.Hash, error) bool)

// messageLeaves yields the leaf hash of every stored ledger message.
func messageLeaves(ctx context.Context, src Source) iter2 {
	return func(yield func(tlog.Hash, error) bool) {
		stopped := errors.New("stopped")
		err := src.Read(ctx, ledger.StreamName, "", func(m Message) error {
			if !yield(MessageLeafHash(m), nil) {
				return stopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, stopped) {
			yield(tlog.Hash{}, err)
		}
	}
}

// latestCheckpoint parses, without checking its signature, the largest
// checkpoint stored.
func latestCheckpoint(ctx context.Context, src Source) (Checkpoint, error) {
	var best Checkpoint
	found := false
	err := src.Read(ctx, StreamName, SubjectCheckpoint, func(m Message) error {
		i := bytes.LastIndex(m.Data, []byte("\n\n"))
		if i < 0 {
			return nil
		}
		cp, err := parseCheckpointText(string(m.Data[:i+1]))
		if err != nil {
			return nil
		}
		if !found || cp.Size > best.Size {
			cp.Note, cp.StreamSeq = string(m.Data), m.Seq
			best, found = cp, true
		}
		return nil
	})
	if err != nil {
		return Checkpoint{}, err
	}
	if !found {
		return Checkpoint{}, ErrNoCheckpoint
	}
	return best, nil
}

// CheckProof checks p completely under pub: the checkpoint's signature, that
// it commits to p's tree size and root, that the leaf hash is the one of
// p's index and content hash, and the audit path.
func CheckProof(p Proof, pub ed25519.PublicKey) error {
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), pub)
	if err != nil {
		return err
	}
	if cp.Size != p.TreeSize || cp.Root != p.RootHash {
		return fmt.Errorf("%w: the checkpoint commits to %d messages and another root", ErrBadProof, cp.Size)
	}
	if LeafHash(p.Index, p.ContentHash) != p.LeafHash {
		return fmt.Errorf("%w: leaf hash is not that of index %d and its content hash", ErrBadProof, p.Index)
	}
	if err := tlog.CheckRecord(p.Hashes, p.TreeSize, p.RootHash, p.LeafIndex, p.LeafHash); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	return nil
}

// Matches reports whether m is the message the proof is about.
func (p Proof) Matches(m Message) bool {
	return m.Seq == p.Index && tlog.Hash(ContentHash(m)) == p.ContentHash
}
