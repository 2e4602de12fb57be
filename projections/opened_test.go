package projections_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
)

// TestOpenedOnlyForTheSameBytes: an entry is used only for the exact
// sealed bytes it was opened from and the barrier that opened them,
// callers get copies, Forget drops it, and Max bounds the entries.
func TestOpenedOnlyForTheSameBytes(t *testing.T) {
	b := ledgertest.Start(t, ledgertest.Options{}).Ledger.Barrier()
	other := ledgertest.Start(t, ledgertest.Options{}).Ledger.Barrier()
	c := projections.Opened[[]string]{Max: 2}
	clone := func(v []string) []string { return append([]string(nil), v...) }
	key, sealed := []byte("k"), []byte("sealed-1")

	c.Put(b, key, sealed, []string{"v1"})
	got, ok := c.Get(b, key, []byte("sealed-1"), clone)
	assert.True(t, ok)
	assert.Equal(t, []string{"v1"}, got)
	got[0] = "changed by a caller"
	got, _ = c.Get(b, key, sealed, clone)
	assert.Equal(t, []string{"v1"}, got, "callers get copies")

	_, ok = c.Get(b, key, []byte("sealed-2"), clone)
	assert.False(t, ok, "a rewritten record misses")
	_, ok = c.Get(other, key, sealed, clone)
	assert.False(t, ok, "another barrier misses")
	c.Forget(key)
	_, ok = c.Get(b, key, sealed, clone)
	assert.False(t, ok, "forgotten")

	for _, k := range []string{"a", "b", "c"} {
		c.Put(b, []byte(k), sealed, []string{k})
	}
	hits := 0
	for _, k := range []string{"a", "b", "c"} {
		if _, ok := c.Get(b, []byte(k), sealed, clone); ok {
			hits++
		}
	}
	assert.Equal(t, 2, hits, "Max entries at most")
}

// TestForgetOpenedEmptiesEveryCache: sealing empties every cache, so no
// decrypted record stays in memory behind a sealed barrier.
func TestForgetOpenedEmptiesEveryCache(t *testing.T) {
	b := ledgertest.Start(t, ledgertest.Options{}).Ledger.Barrier()
	clone := func(v string) string { return v }
	var one, two projections.Opened[string]
	one.Put(b, []byte("k"), []byte("s"), "token record")
	two.Put(b, []byte("k"), []byte("s"), "metadata")
	_, ok := one.Get(b, []byte("k"), []byte("s"), clone)
	assert.True(t, ok)

	projections.ForgetOpened()
	_, ok = one.Get(b, []byte("k"), []byte("s"), clone)
	assert.False(t, ok, "first cache emptied")
	_, ok = two.Get(b, []byte("k"), []byte("s"), clone)
	assert.False(t, ok, "second cache emptied")
}

// TestOpenedCurrent: an entry is used without reading the store only at
// the generation it was read at, under the same barrier, never for
// generation 0 (bytes a batch read); a hit of GetAt on the same bytes
// makes it current at the new generation.
func TestOpenedCurrent(t *testing.T) {
	b := ledgertest.Start(t, ledgertest.Options{}).Ledger.Barrier()
	other := ledgertest.Start(t, ledgertest.Options{}).Ledger.Barrier()
	clone := func(v string) string { return v }
	var c projections.Opened[string]
	key, sealed := []byte("k"), []byte("sealed-1")

	c.PutAt(b, key, sealed, 7, "v1")
	got, ok := c.Current(b, key, 7, clone)
	assert.True(t, ok)
	assert.Equal(t, "v1", got)
	_, ok = c.Current(b, key, 8, clone)
	assert.False(t, ok, "a batch was committed since")
	_, ok = c.Current(other, key, 7, clone)
	assert.False(t, ok, "another barrier")

	_, ok = c.GetAt(b, key, []byte("sealed-2"), 9, clone)
	assert.False(t, ok, "other bytes")
	_, ok = c.Current(b, key, 9, clone)
	assert.False(t, ok, "a miss does not make the entry current")
	_, ok = c.GetAt(b, key, sealed, 9, clone)
	assert.True(t, ok)
	_, ok = c.Current(b, key, 9, clone)
	assert.True(t, ok, "the same bytes read at 9: current at 9")
	_, ok = c.GetAt(b, key, sealed, 8, clone)
	assert.True(t, ok)
	_, ok = c.Current(b, key, 9, clone)
	assert.True(t, ok, "an older reader does not move it back")

	c.Put(b, key, sealed, "v0") // a batch's read: generation unknown
	_, ok = c.Current(b, key, 0, clone)
	assert.False(t, ok, "generation 0 is never current")
	_, ok = c.Current(b, key, 9, clone)
	assert.False(t, ok)
	c.Forget(key)
	_, ok = c.Current(b, key, 9, clone)
	assert.False(t, ok)
}
