package ledger

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The storage guard's recovery restarts JetStream in place; a consumer
// (the projector's) must keep delivering across it, in order, without
// gaps or repeats.
func TestConsumeSurvivesJetStreamRestart(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := tl.store.Writer()
	var last atomic.Uint64
	errc := make(chan error, 1)
	go func() {
		errc <- tl.store.Consume(ctx, 1, func(m Message) error {
			if prev := last.Load(); m.Seq != prev+1 {
				t.Errorf("delivered %d after %d", m.Seq, prev)
			}
			last.Store(m.Seq)
			return nil
		})
	}()
	seq, err := w.Append(ctx, NewEvent("test.before", 1, "x"))
	require.NoError(t, err)
	waitFor(t, 5*time.Second, "first delivered", func() bool { return last.Load() == seq })

	require.NoError(t, tl.store.guard.restartJetStream())
	waitFor(t, 10*time.Second, "appends work after the restart", func() bool {
		seq, err = w.Append(ctx, NewEvent("test.after", 1, "y"))
		return err == nil
	})
	waitFor(t, 15*time.Second, "delivered after the restart", func() bool { return last.Load() == seq })
	select {
	case err := <-errc:
		t.Fatalf("consume returned: %v", err)
	default:
	}
}
