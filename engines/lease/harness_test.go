package lease

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// fake is an engine whose credentials are entries in a set.
type fake struct {
	mu      sync.Mutex
	creds   map[string]bool // lease id -> credential exists
	revokes []string        // lease ids, in order, with the state seen
	renewed map[string]time.Time
	fail    error // every Revoke fails with it while set
}

func newFake() *fake { return &fake{creds: map[string]bool{}, renewed: map[string]time.Time{}} }

func (f *fake) Revoke(_ context.Context, st *leaseevent.State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revokes = append(f.revokes, st.ID+"@"+st.State)
	if f.fail != nil {
		return f.fail
	}
	delete(f.creds, st.ID)
	return nil
}

func (f *fake) Renew(_ context.Context, st *leaseevent.State, expire time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewed[st.ID] = expire
	return nil
}

func (f *fake) setFail(err error) {
	f.mu.Lock()
	f.fail = err
	f.mu.Unlock()
}

func (f *fake) exists(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creds[id]
}

func (f *fake) revokeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.revokes...)
}

// env is a lease manager on a real ledger, with engine "fake".
type env struct {
	t      testing.TB
	le     *ledgertest.Env
	m      *Manager
	fake   *fake
	opts   Options
	cancel context.CancelFunc
}

var fastOptions = Options{
	ScanInterval: 20 * time.Millisecond, BackoffBase: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
	IrrevocableAt: 3, RevokeTimeout: 2 * time.Second, PendingTimeout: 500 * time.Millisecond,
}

func newEnv(t testing.TB) *env { return newEnvWithClock(t, nil) }

// newEnvWithClock runs the manager on clock (the real one when nil): a
// test moves it instead of sleeping.
func newEnvWithClock(t testing.TB, clock *testkit.Clock) *env {
	t.Helper()
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){leasestore.Register}})
	e := &env{t: t, le: le, fake: newFake(), opts: fastOptions}
	if clock != nil {
		e.opts.Now = clock.Now
	}
	e.startManager()
	return e
}

func (e *env) startManager() {
	e.m = NewManager(e.le.Deps, e.opts)
	e.m.RegisterRevoker("fake", e.fake)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	require.NoError(e.t, e.m.Start(ctx))
	e.t.Cleanup(e.stopManager)
}

func (e *env) stopManager() {
	e.cancel()
	e.m.Wait()
}

// issue issues a fake credential under a lease; the credential is the
// lease id, found as the one pending lease without a credential yet.
func (e *env) issue(token string, ttl, maxTTL time.Duration) *leaseevent.State {
	e.t.Helper()
	var id string
	st, err := e.m.Issue(context.Background(), framework.LeaseRequest{
		Engine: "fake", MountAccessor: "fake_1", MountPath: "fake/", Path: "creds/r", TokenAccessor: token,
		TTL: ttl, MaxTTL: maxTTL, Renewable: true, RevokeData: map[string]string{"user": "u"},
	}, func(ctx context.Context, _ time.Time) error {
		ids, err := e.pendingIDs()
		if err != nil {
			return err
		}
		for _, p := range ids {
			e.fake.mu.Lock()
			if !e.fake.creds[p] {
				id = p
				e.fake.creds[p] = true
			}
			e.fake.mu.Unlock()
		}
		return nil
	})
	require.NoError(e.t, err)
	require.Equal(e.t, st.ID, id)
	return st
}

func (e *env) pendingIDs() ([]string, error) {
	var ids []string
	err := leasestore.Pending(e.le.Store, func(id string) bool {
		st, err := e.m.get(id)
		if err == nil && st.State == leaseevent.StatePending {
			ids = append(ids, id)
		}
		return true
	})
	return ids, err
}

func (e *env) state(id string) *leaseevent.State {
	e.t.Helper()
	st, err := e.m.get(id)
	require.NoError(e.t, err)
	return st
}

func (e *env) eventually(timeout time.Duration, fn func() error) {
	e.t.Helper()
	testkit.CheckFor(e.t, timeout, 0, fn)
}

// jobsEnqueued is how many revocation jobs the reaper's stream ever took.
func (e *env) jobsEnqueued() uint64 {
	e.t.Helper()
	info, err := e.m.reaper.stream.Info(context.Background())
	require.NoError(e.t, err)
	return info.State.LastSeq
}

func (e *env) waitState(id, want string) *leaseevent.State {
	e.t.Helper()
	var st *leaseevent.State
	e.eventually(10*time.Second, func() error {
		st = e.state(id)
		if st.State != want {
			return fmt.Errorf("lease %s is %s, want %s", id, st.State, want)
		}
		return nil
	})
	return st
}

// events returns the lease event types of id in the ledger, in order.
func (e *env) events(id string) []string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	last, err := e.le.Ledger.LastSeq(ctx)
	require.NoError(e.t, err)
	var out []string
	stop := errors.New("stop")
	err = e.le.Ledger.Consume(ctx, 1, func(m ledger.Message) error {
		recs, err := e.le.Ledger.Decode(m)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Kind == leaseevent.Kind && r.Aggregate == id {
				out = append(out, r.Type)
			}
		}
		if m.Seq >= last {
			return stop
		}
		return nil
	})
	require.ErrorIs(e.t, err, stop)
	return out
}
