package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// Two stores on one stream, as two nodes: the first serves appends, the
// second forwards them. Versions are checked in the serving writer's one
// map, conflicts come back as ErrConflict with LastCommitted covering the
// winner, holds commit in one message, and with nobody serving the second
// appends itself.
func TestForwardedAppends(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	writer := tl.store
	nc, err := nats.Connect("", nats.InProcessServer(writer.nc.Opts.InProcessServer))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	ctx := context.Background()
	other, err := Open(ctx, nc, 1)
	require.NoError(t, err)
	t.Cleanup(other.Close)
	seal, err := OpenDevSeal(tl.dir)
	require.NoError(t, err)
	require.NoError(t, other.Unseal(ctx, seal))
	other.SetForwarding(true)

	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- writer.ServeAppends(serveCtx) }()
	// Wait until the subscription is up: a forwarded append reaches it.
	ev := func(v uint64) Event {
		e := NewEvent("test.forwarded", 1, map[string]any{"v": v})
		e.Kind, e.Aggregate, e.Version = "thing", "a", v
		return e
	}
	require.Eventually(t, func() bool {
		other.Writer().Append(ctx, NewEvent("test.ping", 1, nil))
		return other.Writer().Stats().Forwarded > other.Writer().Stats().ForwardFallbacks
	}, 10*time.Second, 20*time.Millisecond)

	seq, err := other.Writer().Append(ctx, ev(1))
	require.NoError(t, err)
	require.Equal(t, seq, writer.Writer().LastCommitted(), "the serving writer stored it")
	// The serving writer's own stale append and the forwarded one meet in
	// the same version map.
	_, err = writer.Writer().Append(ctx, ev(1))
	require.ErrorIs(t, err, ErrConflict)
	_, err = other.Writer().Append(ctx, ev(1))
	require.ErrorIs(t, err, ErrConflict)
	require.GreaterOrEqual(t, other.Writer().LastCommitted(), seq, "a conflict's caller learns the winning sequence")

	h, err := other.Writer().Hold(ctx, ev(2))
	require.NoError(t, err)
	held, err := h.Commit(ctx, NewEvent("test.response", 1, nil))
	require.NoError(t, err)
	m, err := writer.Get(ctx, held)
	require.NoError(t, err)
	recs, err := writer.Decode(m)
	require.NoError(t, err)
	require.Len(t, recs, 2, "a forwarded hold and its commit are one message")

	// Nobody serves: the second store appends itself.
	stopServing()
	require.NoError(t, <-served)
	require.Eventually(t, func() bool {
		_, err := other.Writer().Append(ctx, NewEvent("test.alone", 1, nil))
		return err == nil && other.Writer().Stats().Messages > 0
	}, 10*time.Second, 20*time.Millisecond)
	require.NotZero(t, other.Writer().Stats().Resyncs, "its own writer's fence was stale: it re-synced past the other's messages")
}
