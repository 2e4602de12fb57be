package tokenstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
)

// TestGetSeesEveryChange: a token read once (and so remembered opened)
// reads back every later change, a caller's changes to what Get returned
// do not leak into the next Get, and a revoked token is gone.
func TestGetSeesEveryChange(t *testing.T) {
	h := start(t)
	h.append(t, ev("t", tokenevent.EventCreated, created("", time.Hour, "acc-t")))
	first := h.get(t, "t")
	require.Equal(t, time.Hour, first.LeaseTTL)
	first.Policies[0] = "changed by a caller"
	first.Meta = map[string]string{"x": "y"}
	again := h.get(t, "t")
	assert.Equal(t, []string{"app"}, again.Policies, "a caller's change is its own")
	assert.Nil(t, again.Meta)

	h.append(t, ev("t", tokenevent.EventRenewed, tokenevent.Renewed{TTL: tokenevent.Seconds(2 * time.Hour), ExpireTime: now.Add(2 * time.Hour), RenewedAt: now}))
	renewed := h.get(t, "t")
	assert.Equal(t, 2*time.Hour, renewed.LeaseTTL, "the renewal shows through the remembered record")
	assert.Equal(t, uint64(2), renewed.Version)

	h.append(t, ev("t", tokenevent.EventRevoked, tokenevent.Revoked{Accessor: "acc-t"}))
	h.gone(t, "t")
}

// BenchmarkGet reads one token's record: "opened" as before the cache
// (pebble read, AES-GCM open, JSON decode), "remembered" through Get.
func BenchmarkGet(b *testing.B) {
	h := start(b)
	h.append(b, ev("t", tokenevent.EventCreated, tokenevent.Created{Accessor: "acc-t", Policies: []string{"default", "app", "team-a"},
		Meta: map[string]string{"username": "alice", "role": "web"}, DisplayName: "userpass-alice", Path: "auth/userpass/login/alice",
		Type: tokenevent.TypeService, CreationTime: now, TTL: tokenevent.Seconds(time.Hour), Renewable: true, ExpireTime: now.Add(time.Hour),
		MountAccessor: "auth_userpass_1", Alias: "alice"}))
	b.Run("opened", func(b *testing.B) {
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			sealed, err := h.ps.Get(idKey("t"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := openRecord(h.b, "t", sealed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compared", func(b *testing.B) {
		// The cache as it was before Opened.Current: pebble read, then
		// the bytes compared.
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			sealed, err := h.ps.Get(idKey("t"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := openCached(h.b, "t", idKey("t"), sealed, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			if _, err := Get(h.ps, h.b, "t"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestApplyReadsThroughTheCache: the projection reads a parent through the
// same cache as Get (applyCreated takes its deadline), and must still see
// a change made earlier in the same batch, and a renewal it applies must
// not alter what the cache hands out.
func TestApplyReadsThroughTheCache(t *testing.T) {
	h := start(t)
	h.append(t, ev("p", tokenevent.EventCreated, created("", time.Hour, "acc-p")))
	before := h.get(t, "p") // remembered opened
	require.Equal(t, now.Add(time.Hour), before.Deadline())

	// One message: the parent renewed, then a child created under it.
	h.append(t,
		ev("p", tokenevent.EventRenewed, tokenevent.Renewed{TTL: tokenevent.Seconds(3 * time.Hour), ExpireTime: now.Add(3 * time.Hour), RenewedAt: now}),
		ev("c", tokenevent.EventCreated, created("p", 5*time.Hour, "acc-c")))
	assert.Equal(t, now.Add(3*time.Hour), h.get(t, "c").AncestorDeadline, "the child saw the renewal made in its own batch")

	// The parent again in a later batch, now remembered from the batch
	// above: a second renewal starts from the first one's record.
	h.append(t, ev("p", tokenevent.EventRenewed, tokenevent.Renewed{TTL: tokenevent.Seconds(4 * time.Hour), ExpireTime: now.Add(4 * time.Hour), RenewedAt: now}))
	p := h.get(t, "p")
	assert.Equal(t, now.Add(4*time.Hour), p.Deadline())
	assert.Equal(t, uint64(3), p.Version)
	assert.Equal(t, now.Add(4*time.Hour), h.get(t, "c").AncestorDeadline, "the renewal reached the child")
	assert.Equal(t, now.Add(time.Hour), before.Deadline(), "a record handed out earlier is the caller's own")
}
