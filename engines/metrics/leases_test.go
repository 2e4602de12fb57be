package metrics

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// TestLeaseObserverMeasuresExpiryLag runs the observer on a real ledger:
// a lease revoked 3s after it expired is one 3s sample; one revoked
// before it expired is none; a failed attempt is counted.
func TestLeaseObserverMeasuresExpiryLag(t *testing.T) {
	m := newLeaseMetrics()
	le := ledgertest.Start(t, ledgertest.Options{
		Register: []func(*projections.Projector){leasestore.Register},
		Setup: func(le *ledgertest.Env) {
			le.Projector.Observe(m.observer(&framework.Env{Deps: le.Deps}))
		},
	})
	ctx := context.Background()
	now := time.Now().UTC()
	run := func(id string, decide func(cur *leaseevent.State) []ledger.Event) {
		t.Helper()
		_, err := le.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
			cur, err := leasestore.Get(le.Store, le.Ledger.Barrier(), id)
			var v uint64
			if err != nil {
				cur = nil
			} else {
				v = cur.Version
			}
			return commands.Sequence(leaseevent.Kind, id, v, decide(cur)...), nil
		})
		require.NoError(t, err)
	}
	issue := func(id string, ttl time.Duration) {
		run(id, func(cur *leaseevent.State) []ledger.Event {
			events, err := lease.DecideRegistered(cur, leaseevent.PendingData{ID: id, Engine: "database", MountPath: "db/", Path: "creds/r",
				IssuedAt: now, ExpireAt: now.Add(ttl), MaxExpireAt: now.Add(ttl), TTL: ttl})
			require.NoError(t, err)
			return events
		})
	}
	issue("db/creds/r/late", time.Second)
	issue("db/creds/r/early", time.Hour)
	run("db/creds/r/late", func(cur *leaseevent.State) []ledger.Event { return lease.DecideExpire(cur, now.Add(time.Second)) })
	run("db/creds/r/late", func(cur *leaseevent.State) []ledger.Event { return lease.DecideFailed(cur, "connection refused") })
	run("db/creds/r/late", func(cur *leaseevent.State) []ledger.Event {
		return lease.DecideRevoked(cur, now.Add(4*time.Second), "expired")
	})
	run("db/creds/r/early", func(cur *leaseevent.State) []ledger.Event { return lease.DecideRevoked(cur, now, "revoke") })

	var h, c dto.Metric
	require.NoError(t, m.expiryLag.(prometheus.Metric).Write(&h))
	require.NoError(t, m.failures.Write(&c))
	require.Equal(t, uint64(1), h.GetHistogram().GetSampleCount())
	require.InDelta(t, 3.0, h.GetHistogram().GetSampleSum(), 0.001)
	require.Equal(t, 1.0, c.GetCounter().GetValue())
}
