package lease

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/stretchr/testify/require"
)

func active(now time.Time, ttl, max time.Duration) *leaseevent.State {
	return &leaseevent.State{ID: "database/creds/r/x", Engine: "database", State: leaseevent.StateActive, IssuedAt: now,
		ExpireAt: now.Add(ttl), MaxExpireAt: now.Add(max), TTL: ttl, Renewable: true, Version: 2}
}

func TestRenewalIsCappedAndShrinks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := active(t0, time.Hour, 3*time.Hour)
	for _, tc := range []struct {
		name      string
		at        time.Duration // since issue
		increment time.Duration
		wantTTL   time.Duration
	}{
		{"default increment is the lease ttl", 30 * time.Minute, 0, time.Hour},
		{"explicit increment", 30 * time.Minute, 2 * time.Hour, 2 * time.Hour},
		{"capped by max ttl", 30 * time.Minute, 10 * time.Hour, 150 * time.Minute},
		{"shrinks near the cap", 170 * time.Minute, time.Hour, 10 * time.Minute},
	} {
		cur := *st
		cur.ExpireAt = t0.Add(tc.at + time.Minute)
		_, ttl, err := Renewal(&cur, t0.Add(tc.at), tc.increment, cur.TTL)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.wantTTL, ttl, tc.name)
	}
}

func TestRenewRefusals(t *testing.T) {
	t0 := time.Now().UTC()
	_, _, err := Renewal(nil, t0, 0, time.Hour)
	require.ErrorIs(t, err, leaseevent.ErrNotFound)
	st := active(t0, time.Hour, 2*time.Hour)
	st.Renewable = false
	_, _, err = Renewal(st, t0, 0, time.Hour)
	require.ErrorIs(t, err, leaseevent.ErrNotRenewable)
	st = active(t0, time.Hour, 2*time.Hour)
	_, _, err = Renewal(st, t0.Add(2*time.Hour), 0, time.Hour)
	require.ErrorIs(t, err, leaseevent.ErrRevoked, "an expired lease cannot be renewed")
}

func TestLifecycleFold(t *testing.T) {
	t0 := time.Now().UTC()
	in := leaseevent.PendingData{ID: "db/creds/r/1", Engine: "database", IssuedAt: t0, ExpireAt: t0.Add(time.Minute), TTL: time.Minute, Renewable: true}
	evs, err := DecidePending(nil, in)
	require.NoError(t, err)
	st, err := leaseevent.Apply(nil, evs[0].Type, evs[0].Data)
	require.NoError(t, err)
	require.Equal(t, leaseevent.StatePending, st.State)
	_, err = DecidePending(st, in)
	require.ErrorIs(t, err, leaseevent.ErrExists)

	evs, err = DecideIssued(st, in)
	require.NoError(t, err)
	st, err = leaseevent.Apply(st, evs[0].Type, evs[0].Data)
	require.NoError(t, err)
	require.Equal(t, leaseevent.StateActive, st.State)

	require.Empty(t, DecideExpire(st, t0), "not due yet")
	evs = DecideExpire(st, t0.Add(time.Minute))
	require.Len(t, evs, 1)
	st, err = leaseevent.Apply(st, evs[0].Type, evs[0].Data)
	require.NoError(t, err)
	require.Equal(t, leaseevent.StateExpired, st.State)

	evs = DecideFailed(st, "connection refused")
	st, err = leaseevent.Apply(st, evs[0].Type, evs[0].Data)
	require.NoError(t, err)
	require.Equal(t, 1, st.Attempts)
	evs = DecideFailed(st, "connection refused")
	st, err = leaseevent.Apply(st, evs[0].Type, evs[0].Data)
	require.NoError(t, err)
	require.Equal(t, 2, st.Attempts)
	require.True(t, st.Live())

	evs = DecideRevoked(st, t0, "expired")
	st, err = leaseevent.Apply(st, evs[0].Type, evs[0].Data)
	require.NoError(t, err)
	require.Equal(t, leaseevent.StateRevoked, st.State)
	require.False(t, st.Live())
	require.Empty(t, DecideRevoked(st, t0, "again"), "revocation is idempotent")
	require.Empty(t, DecideForget(st, t0))
}
