package tokenstore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

type harness struct {
	bus *commands.Bus
	ps  *projections.Store
	b   *ledger.Barrier
}

func start(t testing.TB) *harness {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){Register}})
	return &harness{bus: env.Bus, ps: env.Store, b: env.Ledger.Barrier()}
}

// append stores events for one aggregate each, at the aggregate's next
// version, in one ledger message.
func (h *harness) append(t testing.TB, evs ...struct {
	hash string
	typ  string
	data any
}) {
	t.Helper()
	_, err := h.bus.Run(context.Background(), func(context.Context) ([]ledger.Event, error) {
		var out []ledger.Event
		next := map[string]uint64{}
		for _, e := range evs {
			v, ok := next[e.hash]
			if !ok {
				var err error
				if v, err = h.bus.Version(tokenevent.Kind, e.hash); err != nil {
					return nil, err
				}
			}
			ev := ledger.MakeEvent(e.typ, e.data)
			ev.Kind, ev.Aggregate, ev.Version = tokenevent.Kind, e.hash, v+1
			next[e.hash] = v + 1
			out = append(out, ev)
		}
		return out, nil
	})
	require.NoError(t, err)
}

func ev(hash, typ string, data any) struct {
	hash string
	typ  string
	data any
} {
	return struct {
		hash string
		typ  string
		data any
	}{hash, typ, data}
}

var now = time.Now().UTC().Truncate(time.Second)

func created(parent string, ttl time.Duration, accessor string) tokenevent.Created {
	c := tokenevent.Created{Accessor: accessor, Parent: parent, Policies: []string{"app"}, DisplayName: "token", Path: "auth/token/create",
		Type: tokenevent.TypeService, CreationTime: now, TTL: tokenevent.Seconds(ttl), Renewable: ttl > 0}
	if ttl > 0 {
		c.ExpireTime = now.Add(ttl)
	}
	return c
}

func (h *harness) get(t *testing.T, hash string) *tokenevent.Token {
	t.Helper()
	tok, err := Get(h.ps, h.b, hash)
	require.NoError(t, err)
	return tok
}

func (h *harness) gone(t *testing.T, hash string) {
	t.Helper()
	_, err := Get(h.ps, h.b, hash)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestCreatedRecordAndIndexes(t *testing.T) {
	h := start(t)
	h.append(t, ev("p", tokenevent.EventCreated, created("", 0, "acc-p")))
	h.append(t, ev("c", tokenevent.EventCreated, created("p", time.Hour, "acc-c")))

	c := h.get(t, "c")
	assert.Equal(t, "c", c.Hash)
	assert.Equal(t, uint64(1), c.Version)
	assert.Equal(t, "p", c.Parent)
	assert.Equal(t, []string{"app"}, c.Policies)
	assert.Equal(t, time.Hour, c.CreationTTL)
	assert.Equal(t, time.Hour, c.LeaseTTL)
	assert.True(t, c.ExpireTime.Equal(now.Add(time.Hour)))
	assert.True(t, c.AncestorDeadline.IsZero(), "a never-expiring parent sets no deadline")

	byAcc, err := ByAccessor(h.ps, h.b, "acc-c")
	require.NoError(t, err)
	assert.Equal(t, "c", byAcc.Hash)
	_, err = ByAccessor(h.ps, h.b, "acc-x")
	require.ErrorIs(t, err, ErrNotFound)

	kids, err := Children(h.ps, "p")
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, kids)

	var all []string
	require.NoError(t, Each(h.ps, h.b, func(tok *tokenevent.Token) bool { all = append(all, tok.Hash); return true }))
	assert.Equal(t, []string{"c", "p"}, all)
}

func TestRecordIsSealed(t *testing.T) {
	h := start(t)
	c := created("", time.Hour, "accessor-canary-1")
	c.Meta = map[string]string{"owner": "meta-canary-2"}
	h.append(t, ev("h1", tokenevent.EventCreated, c))

	raw, err := h.ps.Get(idKey("h1"))
	require.NoError(t, err)
	for _, canary := range []string{"accessor-canary-1", "meta-canary-2", "auth/token/create"} {
		assert.False(t, bytes.Contains(raw, []byte(canary)), "%q in plaintext", canary)
	}
	// The accessor index is keyed by a keyed hash, not the accessor.
	require.NoError(t, h.ps.Scan([]byte("tok/"), func(k, v []byte) bool {
		assert.NotContains(t, string(k), "accessor-canary-1")
		return true
	}))
	// A record moved to another key does not open.
	_, err = openRecord(h.b, "h2", raw)
	require.Error(t, err)
}

func TestCreatedUnderMissingParentIsDropped(t *testing.T) {
	h := start(t)
	h.append(t, ev("orphan-child", tokenevent.EventCreated, created("no-such-parent", time.Hour, "acc")))
	h.gone(t, "orphan-child")
	_, err := ByAccessor(h.ps, h.b, "acc")
	require.ErrorIs(t, err, ErrNotFound)
	kids, err := Children(h.ps, "no-such-parent")
	require.NoError(t, err)
	assert.Empty(t, kids)
}

func TestChildInheritsAndFollowsTheParentsDeadline(t *testing.T) {
	h := start(t)
	h.append(t, ev("p", tokenevent.EventCreated, created("", time.Minute, "acc-p")))
	h.append(t, ev("c", tokenevent.EventCreated, created("p", time.Hour, "acc-c")))
	h.append(t, ev("g", tokenevent.EventCreated, created("c", 2*time.Hour, "acc-g")))
	assert.True(t, h.get(t, "c").Deadline().Equal(now.Add(time.Minute)))
	assert.True(t, h.get(t, "g").Deadline().Equal(now.Add(time.Minute)), "the deadline reaches grandchildren")

	later := now.Add(30 * time.Minute)
	h.append(t, ev("p", tokenevent.EventRenewed, tokenevent.Renewed{TTL: 1800, ExpireTime: later, RenewedAt: now}))
	p := h.get(t, "p")
	assert.Equal(t, uint64(2), p.Version)
	assert.Equal(t, 30*time.Minute, p.LeaseTTL)
	assert.Equal(t, time.Minute, p.CreationTTL)
	assert.True(t, p.LastRenewal.Equal(now))
	assert.True(t, h.get(t, "c").Deadline().Equal(later))
	assert.True(t, h.get(t, "g").Deadline().Equal(later))
	assert.Equal(t, uint64(1), h.get(t, "g").Version, "a cascade is not an event of the child")

	// Orphaning frees the subtree from the old parent's deadline.
	h.append(t, ev("c", tokenevent.EventOrphaned, tokenevent.Orphaned{FormerParent: "p"}))
	c := h.get(t, "c")
	assert.Empty(t, c.Parent)
	assert.True(t, c.AncestorDeadline.IsZero())
	assert.True(t, c.Deadline().Equal(now.Add(time.Hour)))
	assert.True(t, h.get(t, "g").Deadline().Equal(now.Add(time.Hour)), "grandchildren follow the orphan's own expiry")
	kids, err := Children(h.ps, "p")
	require.NoError(t, err)
	assert.Empty(t, kids)
}

func TestUseSpent(t *testing.T) {
	h := start(t)
	c := created("", time.Hour, "acc")
	c.NumUses = 3
	h.append(t, ev("u", tokenevent.EventCreated, c))
	h.append(t, ev("u", tokenevent.EventUseSpent, tokenevent.UseSpent{Remaining: 2}))
	tok := h.get(t, "u")
	assert.Equal(t, 2, tok.NumUses)
	assert.Equal(t, uint64(2), tok.Version)
}

func TestRevoked(t *testing.T) {
	h := start(t)
	h.append(t, ev("p", tokenevent.EventCreated, created("", 0, "acc-p")))
	h.append(t, ev("c", tokenevent.EventCreated, created("p", time.Hour, "acc-c")))
	h.append(t, ev("g", tokenevent.EventCreated, created("c", time.Hour, "acc-g")))

	// Revoke c alone, as a cascade that missed g would.
	h.append(t, ev("c", tokenevent.EventRevoked, tokenevent.Revoked{Accessor: "acc-c", Parent: "p", Reason: tokenevent.ReasonRevoked, Target: "c"}))
	h.gone(t, "c")
	_, err := ByAccessor(h.ps, h.b, "acc-c")
	require.ErrorIs(t, err, ErrNotFound)
	kids, err := Children(h.ps, "p")
	require.NoError(t, err)
	assert.Empty(t, kids, "c left its parent's list")
	kids, err = Children(h.ps, "c")
	require.NoError(t, err)
	assert.Equal(t, []string{"g"}, kids, "c's own list stays for the revoker to find stragglers")
	v, err := h.ps.AggregateVersion(tokenevent.Kind, "c")
	require.NoError(t, err)
	assert.Equal(t, uint64(2), v)

	// A cascade in one message: children first.
	h.append(t, ev("g", tokenevent.EventRevoked, tokenevent.Revoked{Accessor: "acc-g", Parent: "c", Reason: tokenevent.ReasonParentRevoked, Target: "p"}),
		ev("p", tokenevent.EventRevoked, tokenevent.Revoked{Accessor: "acc-p", Reason: tokenevent.ReasonRevoked, Target: "p", Accessors: []string{"acc-g", "acc-p"}}))
	h.gone(t, "g")
	h.gone(t, "p")
	kids, err = Children(h.ps, "c")
	require.NoError(t, err)
	assert.Empty(t, kids)
	require.NoError(t, h.ps.Scan([]byte("tok/"), func(k, _ []byte) bool {
		t.Errorf("left behind: %q", k)
		return true
	}))
}
