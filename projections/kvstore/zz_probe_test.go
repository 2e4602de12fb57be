package kvstore_test

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/ledger"
)

func TestProbeCosts(t *testing.T) {
	if os.Getenv("KV_THROUGHPUT") == "" {
		t.Skip()
	}
	s := startStack(t)
	ctx := context.Background()
	run := func(name string, op func() error) {
		var n atomic.Int64
		var wg sync.WaitGroup
		deadline := time.Now().Add(3 * time.Second)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					if err := op(); err != nil {
						t.Error(err)
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		t.Logf("%s: %.0f/s", name, float64(n.Load())/3)
	}
	run("datakeys.create", func() error { _, _, err := s.ledger.DataKeys().Create(ctx); return err })
	run("writer.append", func() error {
		_, err := s.ledger.Writer().Append(ctx, ledger.NewEvent("probe.x", 1, map[string]string{"a": "b"}))
		return err
	})
	i := atomic.Int64{}
	run("runner.write", func() error {
		_, err := s.runner.Write(ctxT(t), mount, "p"+string(rune('a'+i.Add(1)%16)), []byte(`{"a":"b"}`), nil)
		return err
	})
}
