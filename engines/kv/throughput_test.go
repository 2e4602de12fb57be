package kv_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestThroughputThroughGateway reports reads/s and writes/s with 16
// workers through the gateway and the Vault client. Set KV_THROUGHPUT=1 to
// run it; it measures, it does not assert.
func TestThroughputThroughGateway(t *testing.T) {
	if os.Getenv("KV_THROUGHPUT") == "" {
		t.Skip("set KV_THROUGHPUT=1 to measure")
	}
	c := vaultClient(t)
	kvv2 := c.KVv2("secret")
	ctx := context.Background()
	const workers = 16
	const dur = 5 * time.Second
	for i := range 100 {
		_, err := kvv2.Put(ctx, fmt.Sprintf("bench/%d", i), map[string]any{"user": "u", "pass": "p", "n": i})
		require.NoError(t, err)
	}
	measure := func(name string, op func(w, i int) error) {
		var n atomic.Int64
		var wg sync.WaitGroup
		deadline := time.Now().Add(dur)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Now().Before(deadline); i++ {
					if err := op(w, i); err != nil {
						t.Error(err)
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		t.Logf("%s: %.0f/s", name, float64(n.Load())/dur.Seconds())
	}
	measure("reads", func(w, i int) error {
		_, err := kvv2.Get(ctx, fmt.Sprintf("bench/%d", (w*7+i)%100))
		return err
	})
	measure("writes", func(w, i int) error {
		_, err := kvv2.Put(ctx, fmt.Sprintf("bench/w%d-%d", w, i%50), map[string]any{"user": "u", "pass": "p", "i": i})
		return err
	})
}
