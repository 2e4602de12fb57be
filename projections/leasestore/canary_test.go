package leasestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// TestIDsAndAccessorsNotInPlaintext issues leases whose ids carry a canary
// mount, role and id, held by a canary token accessor, and scans every
// pebble key and value, live and replayed from the ledger: none shows
// (issue 10, item 10). Every index still answers: the expiry front, the
// pending index, a token's leases, folder and exact-id prefixes, listings.
func TestIDsAndAccessorsNotInPlaintext(t *testing.T) {
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){leasestore.Register}})
	ctx := context.Background()
	tag := ledger.NewID()[:12]
	mount, role, leaf, accessor := "canarymount"+tag+"/", "canaryrole"+tag, "canaryid"+tag, "canaryaccessor"+tag
	folder := mount + "creds/" + role + "/"
	now := time.Now().UTC()
	issued := now.Add(-2 * time.Hour)
	issue := func(id string, ttl time.Duration, pending bool) {
		t.Helper()
		_, err := le.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
			data := leaseevent.PendingData{ID: id, Engine: "database", MountPath: mount, Path: "creds/" + role, TokenAccessor: accessor,
				IssuedAt: issued, ExpireAt: issued.Add(ttl), MaxExpireAt: issued.Add(ttl), TTL: ttl, RevokeData: []byte(`{"user":"u"}`)}
			decide := lease.DecideRegistered
			if pending {
				decide = lease.DecidePending
			}
			evs, err := decide(nil, data)
			if err != nil {
				return nil, err
			}
			return commands.Sequence(leaseevent.Kind, id, 0, evs...), nil
		})
		require.NoError(t, err)
	}
	due, later, waiting := folder+leaf, folder+"b"+tag, mount+"creds/other/"+leaf
	issue(due, time.Hour, false)
	issue(later, 3*time.Hour, false)
	issue(waiting, 3*time.Hour, true)

	b := le.Ledger.Barrier()
	for _, s := range []*projections.Store{le.Store, le.Replay(t)} {
		assert.Empty(t, ledgertest.RawHits(t, s, mount, role, leaf, accessor), "a lease id or token accessor in plaintext in pebble")

		st, err := leasestore.Get(s, b, due)
		require.NoError(t, err)
		assert.Equal(t, accessor, st.TokenAccessor)
		assert.JSONEq(t, `{"user":"u"}`, string(st.RevokeData))
		ids, err := leasestore.DueBefore(s, now, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{due}, ids, "only the expired lease is due")
		ids, err = leasestore.ByToken(s, b, accessor)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{due, later, waiting}, ids)
		var pending []string
		require.NoError(t, leasestore.Pending(s, func(id string) bool { pending = append(pending, id); return true }))
		assert.Equal(t, []string{waiting}, pending)
		for prefix, want := range map[string][]string{
			folder:                     {later, due},
			folder[:len(folder)-1]:     {later, due}, // a folder without its slash, as Vault takes it
			mount:                      {later, due, waiting},
			due:                        {due}, // an exact lease id
			folder + leaf[:4]:          nil,   // not a folder: ids are not prefix-matched in plaintext
			"":                         {later, due, waiting},
			"canarymount" + tag + "x/": nil,
		} {
			var got []string
			require.NoError(t, leasestore.WithPrefix(s, b, prefix, func(id string) bool { got = append(got, id); return true }))
			assert.Equal(t, want, got, "prefix %q", prefix)
		}
		keys, err := leasestore.ListKeys(s, b, mount+"creds/")
		require.NoError(t, err)
		assert.Equal(t, []string{role + "/", "other/"}, keys)
		keys, err = leasestore.ListKeys(s, b, folder)
		require.NoError(t, err)
		assert.Equal(t, []string{"b" + tag, leaf}, keys)
	}
}
