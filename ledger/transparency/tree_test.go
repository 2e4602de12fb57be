package transparency

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"
)

// fullTree is tlog's reference layout: every stored hash kept.
type fullTree []tlog.Hash

func (f fullTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = f[x]
	}
	return out, nil
}

func leafN(i int64) tlog.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return tlog.RecordHash(b[:])
}

func buildFull(t *testing.T, n int64) fullTree {
	var f fullTree
	for i := int64(0); i < n; i++ {
		hs, err := tlog.StoredHashesForRecordHash(i, leafN(i), f)
		require.NoError(t, err)
		f = append(f, hs...)
	}
	return f
}

// The streaming tree must agree with tlog's full layout on every root, and
// its window must hold every hash a consistency proof from the last mark
// reads.
func TestTreeMatchesTlogAndProvesFromMark(t *testing.T) {
	const total = 700
	full := fullTree{}
	tr := newTree()
	rng := rand.New(rand.NewPCG(1, 2))
	markAt := int64(0)
	for i := int64(0); i < total; i++ {
		hs, err := tlog.StoredHashesForRecordHash(i, leafN(i), full)
		require.NoError(t, err)
		full = append(full, hs...)
		require.NoError(t, tr.add(leafN(i)))

		want, err := tlog.TreeHash(i+1, full)
		require.NoError(t, err)
		got, err := tr.root()
		require.NoError(t, err)
		require.Equal(t, want, got, "root at %d", i+1)

		if markAt > 0 {
			p, err := tlog.ProveTree(tr.n, markAt, tr)
			require.NoError(t, err, "proof %d->%d from the window", markAt, tr.n)
			old, _ := tlog.TreeHash(markAt, full)
			require.NoError(t, tlog.CheckTree(p, tr.n, got, markAt, old))
		}
		if rng.IntN(13) == 0 {
			// Every frontier between the mark and now is readable.
			for k := max(markAt, 1); k <= tr.n; k++ {
				_, err := tr.frontierAt(k)
				require.NoError(t, err, "frontier at %d after mark at %d", k, markAt)
			}
			tr.mark()
			markAt = tr.n
			require.Len(t, tr.hashes, len(frontierIndexes(tr.n)))
		}
	}
}

func TestTreeResumesFromFrontier(t *testing.T) {
	for _, n := range []int64{1, 2, 3, 7, 8, 100, 1023, 1024, 1025} {
		a := newTree()
		for i := int64(0); i < n; i++ {
			require.NoError(t, a.add(leafN(i)))
		}
		f, err := a.frontierAt(n)
		require.NoError(t, err)
		b, err := treeFromFrontier(n, f)
		require.NoError(t, err)
		for i := n; i < n+50; i++ {
			require.NoError(t, a.add(leafN(i)))
			require.NoError(t, b.add(leafN(i)))
		}
		ra, _ := a.root()
		rb, err := b.root()
		require.NoError(t, err)
		require.Equal(t, ra, rb, "resumed at %d", n)
	}
	_, err := treeFromFrontier(3, []tlog.Hash{{}})
	require.ErrorIs(t, err, ErrMalformed)
}

func TestKeptHashesSurviveMarks(t *testing.T) {
	const n, leaf = 300, 117
	full := buildFull(t, n)
	want, err := tlog.ProveRecord(n, leaf, full)
	require.NoError(t, err)
	var need []int64
	_, _ = tlog.ProveRecord(n, leaf, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		need = idx
		return make([]tlog.Hash, len(idx)), nil
	}))
	tr := newTree()
	tr.keepIndexes(need)
	for i := int64(0); i < n; i++ {
		require.NoError(t, tr.add(leafN(i)))
		tr.mark()
	}
	got, err := tlog.ProveRecord(n, leaf, tr)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestLeafChunkRoundTrip(t *testing.T) {
	tr := newTree()
	var leaves []tlog.Hash
	for i := int64(0); i < 13; i++ {
		leaves = append(leaves, leafN(i))
		require.NoError(t, tr.add(leafN(i)))
	}
	f, err := tr.frontierAt(13)
	require.NoError(t, err)
	c := leafChunk{First: 0, NextSeq: 14, Leaves: leaves, Frontier: f}
	got, err := unmarshalChunk(c.marshal())
	require.NoError(t, err)
	require.Equal(t, c, got)

	for name, b := range map[string][]byte{
		"truncated":      c.marshal()[:40],
		"wrong magic":    append([]byte("x"), c.marshal()[1:]...),
		"extra bytes":    append(c.marshal(), 0),
		"wrong frontier": leafChunk{First: 0, Leaves: leaves, Frontier: f[:1]}.marshal(),
	} {
		_, err := unmarshalChunk(b)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
}

// The leaf commits to position and content separately: the same content at
// another sequence is another leaf, and every field of the content counts.
func TestLeafHashCoversEverythingStored(t *testing.T) {
	base := Message{Seq: 5, Subject: "coffer.ledger.batch", Header: map[string][]string{"Nats-Msg-Id": {"abc"}, "Nats-Expected-Last-Sequence": {"4"}}, Data: []byte("ciphertext")}
	h0 := MessageLeafHash(base)
	variants := map[string]func(m *Message){
		"seq":     func(m *Message) { m.Seq = 6 },
		"subject": func(m *Message) { m.Subject = "coffer.ledger.keyring" },
		"msg id": func(m *Message) {
			m.Header = map[string][]string{"Nats-Msg-Id": {"abd"}, "Nats-Expected-Last-Sequence": {"4"}}
		},
		"other header": func(m *Message) {
			m.Header = map[string][]string{"Nats-Msg-Id": {"abc"}, "Nats-Expected-Last-Sequence": {"3"}}
		},
		"header dropped": func(m *Message) { m.Header = map[string][]string{"Nats-Msg-Id": {"abc"}} },
		"data":           func(m *Message) { m.Data = []byte("ciphertexu") },
		"time":           func(m *Message) { m.Stored = m.Stored.Add(1) },
	}
	for name, change := range variants {
		m := base
		change(&m)
		require.NotEqual(t, h0, MessageLeafHash(m), name)
	}
	// Header order in the map is irrelevant: names are sorted.
	same := base
	same.Header = map[string][]string{"Nats-Expected-Last-Sequence": {"4"}, "Nats-Msg-Id": {"abc"}}
	require.Equal(t, h0, MessageLeafHash(same))
	require.Equal(t, tlog.RecordHash(LeafData(5, ContentHash(base))), h0)
	require.Len(t, LeafData(5, [sha256.Size]byte{}), len(leafPrefix)+8+32)
}
