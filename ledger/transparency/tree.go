package transparency

import (
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// tree grows an RFC 6962 tree one leaf at a time with tlog's stored-hash
// layout, but keeps in memory only the hashes some later question needs:
//
//   - the frontier (the roots of the maximal perfect subtrees of the current
//     size), enough for tlog.TreeHash and for appending the next leaf;
//   - the window: every stored hash written since the last mark, enough for
//     tlog.ProveTree from the marked size to any later one (every node such
//     a proof reads is either a frontier node at the mark or lies wholly
//     after it);
//   - the kept indexes, for inclusion proofs whose needs are known up front.
//
// Memory is O(log n + leaves since the mark), so verifying a ledger of any
// length streams.
type tree struct {
	n      int64
	hashes map[int64]tlog.Hash
	keep   map[int64]tlog.Hash
	want   map[int64]bool
}

func newTree() *tree { return &tree{hashes: map[int64]tlog.Hash{}} }

// treeFromFrontier resumes a tree of size n from its frontier hashes (in
// frontierIndexes order).
func treeFromFrontier(n int64, frontier []tlog.Hash) (*tree, error) {
	idx := frontierIndexes(n)
	if len(idx) != len(frontier) {
		return nil, fmt.Errorf("%w: frontier of %d leaves has %d hashes, want %d", ErrMalformed, n, len(frontier), len(idx))
	}
	t := &tree{n: n, hashes: make(map[int64]tlog.Hash, len(idx))}
	for i, x := range idx {
		t.hashes[x] = frontier[i]
	}
	return t, nil
}

// add appends one leaf hash.
func (t *tree) add(leaf tlog.Hash) error {
	stored, err := tlog.StoredHashesForRecordHash(t.n, leaf, t)
	if err != nil {
		return fmt.Errorf("transparency: tree append at %d: %w", t.n, err)
	}
	base := tlog.StoredHashCount(t.n)
	for i, h := range stored {
		x := base + int64(i)
		t.hashes[x] = h
		if t.want[x] {
			t.keep[x] = h
		}
	}
	t.n++
	return nil
}

// ReadHashes implements tlog.HashReader over what the tree still holds.
func (t *tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := t.hashes[x]
		if !ok {
			if h, ok = t.keep[x]; !ok {
				return nil, fmt.Errorf("transparency: stored hash %d was not kept", x)
			}
		}
		out[i] = h
	}
	return out, nil
}

func (t *tree) root() (tlog.Hash, error) { return tlog.TreeHash(t.n, t) }

// mark forgets everything but the frontier: later proofs start here.
func (t *tree) mark() {
	idx := frontierIndexes(t.n)
	if len(t.hashes) == len(idx) {
		return
	}
	next := make(map[int64]tlog.Hash, len(idx))
	for _, x := range idx {
		next[x] = t.hashes[x]
	}
	t.hashes = next
}

// frontierAt returns the frontier of the tree's first n leaves, in
// frontierIndexes order, for any n from the last mark to the current size:
// each of its nodes is a frontier node at the mark or was written after it.
func (t *tree) frontierAt(n int64) ([]tlog.Hash, error) {
	return t.ReadHashes(frontierIndexes(n))
}

// keepIndexes makes the tree retain the given stored hashes past marks.
func (t *tree) keepIndexes(idx []int64) {
	t.want, t.keep = make(map[int64]bool, len(idx)), make(map[int64]tlog.Hash, len(idx))
	for _, x := range idx {
		t.want[x] = true
	}
}

// frontierIndexes lists the stored-hash indexes of the maximal perfect
// subtrees of a tree of n leaves, left to right.
func frontierIndexes(n int64) []int64 {
	out := make([]int64, 0, bits.OnesCount64(uint64(n)))
	var start int64
	for level := 62; level >= 0; level-- {
		size := int64(1) << level
		if n&size == 0 {
			continue
		}
		out = append(out, tlog.StoredHashIndex(level, start>>level))
		start += size
	}
	return out
}
