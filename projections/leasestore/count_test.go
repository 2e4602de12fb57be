package leasestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/leasestore"
)

func TestCountsByStateAndExpiringWindows(t *testing.T) {
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){leasestore.Register}})
	ctx := context.Background()
	now := time.Now().UTC()
	run := func(id string, decide func(cur *leaseevent.State) ([]ledger.Event, error)) {
		t.Helper()
		_, err := le.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
			cur, err := leasestore.Get(le.Store, le.Ledger.Barrier(), id)
			if err != nil {
				cur = nil
			}
			events, err := decide(cur)
			if err != nil {
				return nil, err
			}
			var v uint64
			if cur != nil {
				v = cur.Version
			}
			return commands.Sequence(leaseevent.Kind, id, v, events...), nil
		})
		require.NoError(t, err)
	}
	for id, ttl := range map[string]time.Duration{"db/creds/a/1": 30 * time.Second, "db/creds/a/2": 10 * time.Minute, "db/creds/a/3": 2 * time.Hour, "db/creds/a/4": 48 * time.Hour} {
		run(id, func(cur *leaseevent.State) ([]ledger.Event, error) {
			return lease.DecideRegistered(cur, leaseevent.PendingData{ID: id, Engine: "database", MountPath: "db/", Path: "creds/a",
				IssuedAt: now, ExpireAt: now.Add(ttl), MaxExpireAt: now.Add(ttl), TTL: ttl, RevokeData: []byte(`{"user":"u"}`)})
		})
	}
	run("db/creds/a/4", func(cur *leaseevent.State) ([]ledger.Event, error) {
		return lease.DecideRevoked(cur, now, "revoke"), nil
	})

	counts, err := leasestore.CountByState(le.Store)
	require.NoError(t, err)
	require.Equal(t, map[string]int{leaseevent.StateActive: 3, leaseevent.StateRevoked: 1}, counts)
	within, err := leasestore.ExpiringWithin(le.Store, now, []time.Duration{time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 2, 3}, within, "cumulative; the revoked lease left the index")
}
