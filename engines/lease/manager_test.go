package lease

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/leasestore"
)

func issueReq(token string, ttl time.Duration) framework.LeaseRequest {
	return framework.LeaseRequest{Engine: "fake", MountAccessor: "fake_1", MountPath: "fake/", Path: "creds/r",
		TokenAccessor: token, TTL: ttl, MaxTTL: time.Hour, Renewable: true}
}

func TestIssueIsPendingWhileTheCredentialIsMade(t *testing.T) {
	e := newEnv(t)
	var during string
	before := time.Now()
	st, err := e.m.Issue(context.Background(), issueReq("tok", time.Hour), func(ctx context.Context, expire time.Time) error {
		ids, err := e.pendingIDs()
		require.NoError(t, err)
		require.Len(t, ids, 1)
		during = e.state(ids[0]).State
		assert.WithinDuration(t, time.Now().Add(time.Hour), expire, 2*time.Second)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, leaseevent.StatePending, during, "lease.pending is on the record before the side effect")
	assert.Equal(t, leaseevent.StateActive, st.State)
	assert.Regexp(t, `^fake/creds/r/[A-Za-z0-9]{24}$`, st.ID)
	assert.Equal(t, []string{leaseevent.EventPending, leaseevent.EventIssued}, e.events(st.ID))
	assert.False(t, st.ExpireAt.Before(before.Add(time.Hour)), "a lease never ends before its TTL has passed")
}

func TestIssueThatCreatedNothingIsClosedAtOnce(t *testing.T) {
	e := newEnv(t)
	boom := fmt.Errorf("%w: statement 2 failed", framework.ErrNotCreated)
	_, err := e.m.Issue(context.Background(), issueReq("tok", time.Hour), func(context.Context, time.Time) error { return boom })
	require.ErrorIs(t, err, boom)
	ids, err := leasePrefix(e, "fake/")
	require.NoError(t, err)
	require.Len(t, ids, 1)
	st := e.state(ids[0])
	assert.Equal(t, leaseevent.StateRevoked, st.State)
	assert.Equal(t, "rollback", st.Reason)
	assert.Zero(t, e.jobsEnqueued(), "nothing to roll back: no revocation job, so the engine is never called")
	assert.Empty(t, e.fake.revokeCalls())
}

func TestIssueThatFailedIsRolledBackByTheReaper(t *testing.T) {
	e := newEnv(t)
	_, err := e.m.Issue(context.Background(), issueReq("tok", time.Hour), func(context.Context, time.Time) error {
		return errors.New("connection lost at commit")
	})
	require.Error(t, err)
	ids, err := leasePrefix(e, "fake/")
	require.NoError(t, err)
	require.Len(t, ids, 1)
	st := e.waitState(ids[0], leaseevent.StateRevoked)
	assert.Equal(t, "rollback", st.Reason)
	assert.Equal(t, []string{ids[0] + "@pending"}, e.fake.revokeCalls(), "rolled back as a pending lease")
}

func TestExpiryRevokesThroughTheReaper(t *testing.T) {
	e := newEnv(t)
	st := e.issue("tok", 300*time.Millisecond, time.Hour)
	require.True(t, e.fake.exists(st.ID))
	done := e.waitState(st.ID, leaseevent.StateRevoked)
	assert.False(t, e.fake.exists(st.ID))
	assert.Equal(t, "expired", done.Reason)
	assert.False(t, done.RevokedAt.Before(st.ExpireAt), "never revoked before it expired")
	assert.Equal(t, []string{leaseevent.EventPending, leaseevent.EventIssued, leaseevent.EventExpired, leaseevent.EventRevoked}, e.events(st.ID))
}

func TestFailingRevocationIsRetriedListedAndFinished(t *testing.T) {
	e := newEnv(t)
	e.fake.setFail(errors.New("dial tcp: connection refused to postgres://root:hunter2@db"))
	st := e.issue("tok", 100*time.Millisecond, time.Hour)
	e.eventually(10*time.Second, func() error {
		ls, err := e.m.Irrevocable()
		if err != nil {
			return err
		}
		if len(ls) != 1 || ls[0].ID != st.ID {
			return fmt.Errorf("irrevocable: %v", ls)
		}
		assert.NotContains(t, ls[0].LastError, "hunter2", "errors are recorded without URL credentials")
		return nil
	})
	assert.True(t, e.fake.exists(st.ID))
	e.fake.setFail(nil)
	e.waitState(st.ID, leaseevent.StateRevoked)
	ls, err := e.m.Irrevocable()
	require.NoError(t, err)
	assert.Empty(t, ls)
	evs := e.events(st.ID)
	assert.GreaterOrEqual(t, count(evs, leaseevent.EventRevocationFailed), 3)
	assert.Equal(t, leaseevent.EventRevoked, evs[len(evs)-1])
}

func TestRenewIsCappedAndReachesTheEngine(t *testing.T) {
	e := newEnv(t)
	st := e.issue("tok", time.Minute, 90*time.Second)
	got, ttl, err := e.m.Renew(context.Background(), st.ID, 10*time.Minute, st.TTL)
	require.NoError(t, err)
	assert.Equal(t, st.MaxExpireAt, got.ExpireAt)
	assert.InDelta(t, 90, ttl.Seconds(), 2)
	e.fake.mu.Lock()
	assert.Equal(t, got.ExpireAt, e.fake.renewed[st.ID])
	e.fake.mu.Unlock()
}

func TestRevokePrefixAndForce(t *testing.T) {
	e := newEnv(t)
	a := e.issue("tok", time.Hour, time.Hour)
	b := e.issue("tok", time.Hour, time.Hour)
	e.fake.setFail(errors.New("database down"))
	_, err := e.m.RevokePrefix(context.Background(), "fake/creds/", false)
	require.Error(t, err, "revoke-prefix reports the failure")
	assert.True(t, e.state(a.ID).Live())

	n, err := e.m.RevokePrefix(context.Background(), "fake/creds/", true)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, leaseevent.StateForgotten, e.state(a.ID).State, "revoke-force forgets, on the record")
	assert.Equal(t, leaseevent.StateForgotten, e.state(b.ID).State)
	assert.Contains(t, e.events(a.ID), leaseevent.EventForgotten)
}

func TestRevokeForTokenRevokesOnlyItsLeases(t *testing.T) {
	e := newEnv(t)
	mine := e.issue("tok-a", time.Hour, time.Hour)
	other := e.issue("tok-b", time.Hour, time.Hour)
	require.NoError(t, e.m.RevokeForToken(context.Background(), "tok-a"))
	e.waitState(mine.ID, leaseevent.StateRevoked)
	assert.False(t, e.fake.exists(mine.ID))
	assert.Equal(t, leaseevent.StateActive, e.state(other.ID).State)
	assert.True(t, e.fake.exists(other.ID))
}

// A token revoked while one of its leases is being issued: the reaper
// revokes the pending lease before the credential exists; the issue then
// cannot complete and must remove the credential it made itself.
func TestLeaseRevokedDuringIssueLeavesNoCredential(t *testing.T) {
	e := newEnv(t)
	var id string
	_, err := e.m.Issue(context.Background(), issueReq("tok", time.Hour), func(ctx context.Context, _ time.Time) error {
		ids, err := e.pendingIDs()
		require.NoError(t, err)
		id = ids[0]
		require.NoError(t, e.m.RevokeForToken(ctx, "tok"))
		e.waitState(id, leaseevent.StateRevoked)
		e.fake.mu.Lock()
		e.fake.creds[id] = true // made after the revocation ran
		e.fake.mu.Unlock()
		return nil
	})
	require.Error(t, err)
	assert.False(t, e.fake.exists(id), "the credential made after the revocation is gone too")
}

func TestLeasesThatExpiredWhileStoppedAreRevokedAtStart(t *testing.T) {
	clock := testkit.NewClock(time.Time{})
	e := newEnvWithClock(t, clock)
	var ids []string
	for range 3 {
		ids = append(ids, e.issue("tok", time.Minute, time.Hour).ID)
	}
	e.stopManager()
	clock.Advance(2 * time.Minute)
	for _, id := range ids {
		require.Equal(t, leaseevent.StateActive, e.state(id).State, "nothing ran while stopped")
	}
	e.startManager()
	for _, id := range ids {
		e.waitState(id, leaseevent.StateRevoked)
		assert.False(t, e.fake.exists(id))
	}
}

func TestPendingLeftByACrashIsRolledBack(t *testing.T) {
	clock := testkit.NewClock(time.Time{})
	e := newEnvWithClock(t, clock)
	data := leaseevent.PendingData{ID: "fake/creds/r/crashed", Engine: "fake", MountAccessor: "fake_1", MountPath: "fake/",
		Path: "creds/r", IssuedAt: clock.Now(), ExpireAt: clock.Now().Add(time.Hour), TTL: time.Hour}
	require.NoError(t, e.m.run(context.Background(), data.ID, func(cur *leaseevent.State) ([]ledger.Event, error) {
		return lease.DecidePending(cur, data)
	}))
	e.fake.mu.Lock()
	e.fake.creds[data.ID] = true // the credential exists; lease.issued was never recorded
	e.fake.mu.Unlock()
	e.stopManager()
	clock.Advance(fastOptions.PendingTimeout)
	e.startManager() // the start-up sweep finds it: older than PendingTimeout
	st := e.waitState(data.ID, leaseevent.StateRevoked)
	assert.Equal(t, "rollback", st.Reason)
	assert.False(t, e.fake.exists(data.ID))
}

func count(evs []string, typ string) int {
	n := 0
	for _, e := range evs {
		if e == typ {
			n++
		}
	}
	return n
}

func leasePrefix(e *env, prefix string) ([]string, error) {
	var ids []string
	err := leasestore.WithPrefix(e.le.Store, e.le.Ledger.Barrier(), prefix, func(id string) bool { ids = append(ids, id); return true })
	slices.Sort(ids)
	return ids, err
}
