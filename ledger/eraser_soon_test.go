package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// EraseSoon returns at once and erases everything queued within its delay
// in one group: one rewrite per block, however many calls; a block whose
// keys all go is deleted, not rewritten.
func TestEraseSoonGroupsCallsPerBlock(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	dk := tl.store.DataKeys()
	var ids []string
	for range 40 {
		id, _, err := dk.Create(ctx)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	blocks := map[string]bool{}
	for _, id := range ids[:30] {
		ref, err := parseDataKeyID(id)
		require.NoError(t, err)
		blocks[ref.block] = true
	}
	before := dk.Stats()
	start := time.Now()
	for i := 0; i < 30; i += 3 {
		dk.EraseSoon(ids[i : i+3]...)
	}
	require.Less(t, time.Since(start), soonDelay/2, "EraseSoon does not wait for the erasure")
	waitFor(t, 10*soonDelay, "keys erased", func() bool {
		dk.cache.Clear()
		for _, id := range ids[:30] {
			if _, err := dk.Get(ctx, id); err == nil {
				return false
			}
		}
		return true
	})
	after := dk.Stats()
	require.EqualValues(t, 30, after.Erased-before.Erased)
	require.LessOrEqual(t, after.Rewrites-before.Rewrites, uint64(len(blocks)), "one rewrite per block for all ten calls")
	require.Zero(t, after.Jobs-before.Jobs, "no erase job queued")
	for _, id := range ids[30:] {
		_, err := dk.Get(ctx, id)
		require.NoError(t, err)
	}
}
