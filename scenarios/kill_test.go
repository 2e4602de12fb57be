package scenarios_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestKillUnderConcurrentWritesKeepsAcknowledged writes from several clients
// at once, SIGKILLs the server in the middle of it, and checks after a
// restart that every acknowledged version is there with its value. Writes
// in flight at the kill may or may not have landed; none may be torn.
func TestKillUnderConcurrentWritesKeepsAcknowledged(t *testing.T) {
	s := start(t)
	const writers = 8
	acked := make([]int, writers) // last acknowledged version per key
	var total atomic.Int64
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	for g := range writers {
		kv := s.Client(t).KVv2("secret")
		wg.Go(func() {
			for ctx.Err() == nil {
				v := acked[g] + 1
				put, err := kv.Put(ctx, fmt.Sprintf("kill9/%d", g), map[string]any{"v": fmt.Sprint(v)})
				if err != nil {
					return // the server is gone
				}
				if put.VersionMetadata == nil || put.VersionMetadata.Version != v {
					t.Errorf("key %d: acknowledged as %+v, want version %d", g, put.VersionMetadata, v)
					return
				}
				acked[g] = v
				total.Add(1)
			}
		})
	}
	harness.Eventually(t, time.Minute, 10*time.Millisecond, func() error {
		if n := total.Load(); n < 200 {
			return fmt.Errorf("%d writes acknowledged so far", n)
		}
		return nil
	})
	s.Kill()
	wg.Wait()
	cancel()

	s.Restart(t)
	kv := s.Client(t).KVv2("secret")
	for g, v := range acked {
		path := fmt.Sprintf("kill9/%d", g)
		cur, err := kv.Get(t.Context(), path)
		require.NoError(t, err, path)
		got := cur.VersionMetadata.Version
		require.True(t, got == v || got == v+1, "%s: version %d after restart, last acknowledged %d", path, got, v)
		require.Equal(t, fmt.Sprint(got), cur.Data["v"], "%s: torn write", path)
		if v > 0 {
			old, err := kv.GetVersion(t.Context(), path, v)
			require.NoError(t, err, "%s: acknowledged version %d lost", path, v)
			require.Equal(t, fmt.Sprint(v), old.Data["v"])
		}
	}
}
