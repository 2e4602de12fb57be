package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

func TestBroadcastWakesEveryWaiterOnce(t *testing.T) {
	b := newBroadcast()
	first, second := b.C(), b.C()
	select {
	case <-first:
		t.Fatal("fired before fire")
	default:
	}
	b.fire()
	<-first
	<-second
	select {
	case <-b.C():
		t.Fatal("a wait begun after the fire ended at once")
	default:
	}
}

// A forwarded request in flight to a writer that never answers (as one
// that died with its route) stops waiting when the node reports a lost
// peer: an append fails as possibly stored, a hold as not stored, both
// long before the forward's own timeout.
func TestForwardStopsWaitingWhenAPeerIsLost(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	store := tl.store
	// A "writer" that takes the requests and never answers.
	nc, err := nats.Connect("", nats.InProcessServer(store.nc.Opts.InProcessServer))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	took := make(chan struct{}, 16)
	_, err = nc.Subscribe(subjectForward, func(*nats.Msg) { took <- struct{}{} })
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	store.SetForwarding(true)

	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
		want error
	}{
		{"append", func(ctx context.Context) error {
			_, err := store.Writer().Append(ctx, NewEvent("test.lost", 1, nil))
			return err
		}, ErrOutcomeUnknown},
		{"hold", func(ctx context.Context) error {
			_, err := store.Writer().Hold(ctx, NewEvent("test.lost", 1, nil))
			return err
		}, ErrWriterUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- tc.call(context.Background()) }()
			<-took // in flight
			store.PeerLost()
			err := <-done
			require.ErrorIs(t, err, tc.want)
			require.Less(t, time.Since(start), apiTimeout, "it did not wait out its timeout")
		})
	}
}
