package lease

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// Revoker is what a module provides so leases it issued can be renewed
// and revoked later, from the data recorded at issue time alone.
type Revoker = framework.Revoker

// IssueRequest describes a lease about to be issued.
type IssueRequest = framework.LeaseRequest

// Options tune the background loops (tests shorten them).
type Options struct {
	ScanInterval   time.Duration // scheduler tick; default 200ms
	BackoffBase    time.Duration // first retry delay; default 1s
	BackoffMax     time.Duration // retry delay cap; default 30s
	IrrevocableAt  int           // attempts after which a lease is listed irrevocable; default 6
	RevokeTimeout  time.Duration // one revocation attempt; default 30s
	PendingTimeout time.Duration // a pending issue older than this is rolled back; default 1m
	ReaperWorkers  int           // revocations the reaper runs at once; default 16
	// Now is the clock expiry, renewal and revocation times are read from
	// (time.Now when nil); tests move it instead of sleeping.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.ScanInterval == 0 {
		o.ScanInterval = 200 * time.Millisecond
	}
	if o.BackoffBase == 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = 30 * time.Second
	}
	if o.IrrevocableAt == 0 {
		o.IrrevocableAt = 6
	}
	if o.RevokeTimeout == 0 {
		o.RevokeTimeout = 30 * time.Second
	}
	if o.PendingTimeout == 0 {
		o.PendingTimeout = time.Minute
	}
	if o.ReaperWorkers == 0 {
		o.ReaperWorkers = 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Manager owns leases for every engine: the core's lease manager
// (framework.Leases), like Vault's expiration manager.
type Manager struct {
	deps framework.Deps
	opts Options

	mu       sync.RWMutex
	revokers map[string]Revoker

	reaper *reaper
	wg     sync.WaitGroup
}

var _ framework.Leases = (*Manager)(nil)

func (m *Manager) now() time.Time { return m.opts.Now().UTC() }

// NewManager builds a manager; Start runs its loops.
func NewManager(deps framework.Deps, opts Options) *Manager {
	opts.defaults()
	return &Manager{deps: deps, opts: opts, revokers: map[string]Revoker{}}
}

// RegisterRevoker makes leases of engine revocable.
func (m *Manager) RegisterRevoker(engine string, r Revoker) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revokers[engine] = r
}

func (m *Manager) revoker(engine string) (Revoker, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.revokers[engine]
	if !ok {
		return nil, fmt.Errorf("lease: no revoker for engine %q", engine)
	}
	return r, nil
}

func (m *Manager) get(id string) (*leaseevent.State, error) {
	return leasestore.Get(m.deps.Store, m.deps.Ledger.Barrier(), id)
}

// run executes one decide round for a single lease.
func (m *Manager) run(ctx context.Context, id string, decide func(cur *leaseevent.State) ([]ledger.Event, error)) error {
	_, err := m.deps.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		cur, err := m.get(id)
		if err != nil && !errors.Is(err, leaseevent.ErrNotFound) {
			return nil, err
		}
		events, err := decide(cur)
		if err != nil || len(events) == 0 {
			return nil, err
		}
		var version uint64
		if cur != nil {
			version = cur.Version
		}
		return commands.Sequence(leaseevent.Kind, id, version, events...), nil
	})
	return err
}

// NewID builds a Vault-style lease id: "<mount><path>/<random>".
func NewID(mountPath, path string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return strings.TrimSuffix(mountPath, "/") + "/" + strings.Trim(path, "/") + "/" + string(b)
}

// Issue records the lease as pending, runs create (the side effect), and
// records lease.issued only once create succeeded. If create fails the
// lease is rolled back through the engine's revoker (by the reaper) and
// recorded revoked; if it fails with ErrNotCreated the lease is recorded
// revoked at once. A credential created for a lease that was revoked
// during the issue (its token was) is revoked here.
func (m *Manager) Issue(ctx context.Context, req IssueRequest, create func(ctx context.Context, expire time.Time) error) (*leaseevent.State, error) {
	data, err := m.pendingData(req)
	if err != nil {
		return nil, err
	}
	if err := m.run(ctx, data.ID, func(cur *leaseevent.State) ([]ledger.Event, error) { return lease.DecidePending(cur, data) }); err != nil {
		return nil, err
	}
	if err := create(ctx, data.ExpireAt); err != nil {
		if errors.Is(err, framework.ErrNotCreated) {
			m.closeUncreated(ctx, data.ID)
		} else {
			m.rollback(data.ID)
		}
		return nil, err
	}
	if err := m.run(ctx, data.ID, func(cur *leaseevent.State) ([]ledger.Event, error) { return lease.DecideIssued(cur, data) }); err != nil {
		m.undoIssue(ctx, data)
		return nil, err
	}
	return m.get(data.ID)
}

// Register records the lease of a credential that already exists (a
// handler's Secret without a lease id, which the gateway hands over): one
// lease.issued, with no pending step since there is nothing to roll back.
func (m *Manager) Register(ctx context.Context, req IssueRequest) (*leaseevent.State, error) {
	data, err := m.pendingData(req)
	if err != nil {
		return nil, err
	}
	if err := m.run(ctx, data.ID, func(cur *leaseevent.State) ([]ledger.Event, error) { return lease.DecideRegistered(cur, data) }); err != nil {
		return nil, err
	}
	return m.get(data.ID)
}

func (m *Manager) pendingData(req IssueRequest) (leaseevent.PendingData, error) {
	// Not truncated: a lease must never end before its TTL has passed.
	now := m.now()
	raw, err := json.Marshal(req.RevokeData)
	if err != nil {
		return leaseevent.PendingData{}, fmt.Errorf("lease: revoke data: %w", err)
	}
	data := leaseevent.PendingData{
		ID: NewID(req.MountPath, req.Path), Engine: req.Engine, MountAccessor: req.MountAccessor,
		MountPath: req.MountPath, Path: req.Path, TokenAccessor: req.TokenAccessor, IssuedAt: now,
		ExpireAt: now.Add(req.TTL), TTL: req.TTL, Renewable: req.Renewable, RevokeData: raw,
	}
	if req.MaxTTL > 0 {
		data.MaxExpireAt = now.Add(req.MaxTTL)
	}
	return data, nil
}

// closeUncreated records a lease whose credential was never created as
// revoked (reason "rollback"); should that fail, the reaper rolls it back.
func (m *Manager) closeUncreated(ctx context.Context, id string) {
	ctx = context.WithoutCancel(ctx)
	if err := m.run(ctx, id, func(cur *leaseevent.State) ([]ledger.Event, error) {
		return lease.DecideRevoked(cur, m.now(), "rollback"), nil
	}); err != nil {
		m.rollback(id)
	}
}

// undoIssue removes a credential that exists but could not be recorded
// issued. While the lease is still pending the reaper rolls it back; if the
// lease was ended meanwhile (its token was revoked during the issue, and
// the revocation ran before the credential existed), nobody else will, so
// it is revoked here, directly.
func (m *Manager) undoIssue(ctx context.Context, data leaseevent.PendingData) {
	cur, err := m.get(data.ID)
	if err != nil || cur.Live() {
		m.rollback(data.ID)
		return
	}
	r, err := m.revoker(data.Engine)
	if err != nil {
		m.deps.Log.Error("lease: credential of an ended lease left behind", "lease", data.ID, "err", err)
		return
	}
	pending := &leaseevent.State{ID: data.ID, Engine: data.Engine, MountAccessor: data.MountAccessor, MountPath: data.MountPath,
		Path: data.Path, TokenAccessor: data.TokenAccessor, State: leaseevent.StatePending, IssuedAt: data.IssuedAt,
		ExpireAt: data.ExpireAt, RevokeData: data.RevokeData}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.opts.RevokeTimeout)
	defer cancel()
	if err := r.Revoke(rctx, pending); err != nil {
		m.deps.Log.Error("lease: credential of an ended lease left behind", "lease", data.ID, "err", redact(err))
	}
}

// rollback hands a lease to the reaper right away.
func (m *Manager) rollback(id string) {
	if m.reaper != nil {
		m.reaper.enqueue(context.Background(), id)
	}
}

// Renew extends a lease, capped by its max TTL.
func (m *Manager) Renew(ctx context.Context, id string, increment, defaultTTL time.Duration) (*leaseevent.State, time.Duration, error) {
	var ttl time.Duration
	err := m.run(ctx, id, func(cur *leaseevent.State) ([]ledger.Event, error) {
		events, t, err := lease.DecideRenew(cur, m.now(), increment, defaultTTL)
		if err != nil {
			return nil, err
		}
		r, err := m.revoker(cur.Engine)
		if err != nil {
			return nil, err
		}
		expire, _, _ := lease.Renewal(cur, m.now(), increment, defaultTTL)
		if err := r.Renew(ctx, cur, expire); err != nil {
			return nil, fmt.Errorf("lease: renew credential: %w", err)
		}
		ttl = t
		return events, nil
	})
	if err != nil {
		return nil, 0, err
	}
	st, err := m.get(id)
	return st, ttl, err
}

// Revoke revokes a lease now, synchronously: the credential is gone when it
// returns nil.
func (m *Manager) Revoke(ctx context.Context, id, reason string) error {
	st, err := m.get(id)
	if err != nil {
		return err
	}
	if !st.Live() {
		return nil
	}
	return m.revokeNow(ctx, st, reason)
}

func (m *Manager) revokeNow(ctx context.Context, st *leaseevent.State, reason string) error {
	r, err := m.revoker(st.Engine)
	if err != nil {
		return err
	}
	// The revocation acts outside the ledger: within a request, its audit
	// record is stored first (commands/audit.go).
	if err := m.deps.Bus.AuditNow(ctx); err != nil {
		return err
	}
	if st.Reason != "" && reason == "" {
		reason = st.Reason
	}
	// A lease revoked while its issue was in flight may have had its
	// credential created after the revocation ran; if the issue completed
	// meanwhile, the credential is revoked again before the lease is
	// recorded revoked.
	for range 3 {
		rctx, cancel := context.WithTimeout(ctx, m.opts.RevokeTimeout)
		err = r.Revoke(rctx, st)
		cancel()
		if err != nil {
			msg := redact(err)
			_ = m.run(ctx, st.ID, func(cur *leaseevent.State) ([]ledger.Event, error) { return lease.DecideFailed(cur, msg), nil })
			return fmt.Errorf("lease: revoke %s: %s", st.ID, msg)
		}
		var issuedMeanwhile *leaseevent.State
		err = m.run(ctx, st.ID, func(cur *leaseevent.State) ([]ledger.Event, error) {
			issuedMeanwhile = nil
			if cur != nil && cur.State == leaseevent.StateActive && st.State == leaseevent.StatePending {
				issuedMeanwhile = cur
				return nil, nil
			}
			return lease.DecideRevoked(cur, m.now(), reason), nil
		})
		if err != nil || issuedMeanwhile == nil {
			return err
		}
		st = issuedMeanwhile
	}
	return fmt.Errorf("lease: revoke %s: the lease kept changing", st.ID)
}

// RevokeAsync hands a lease to the reaper (Vault's revoke with sync=false).
func (m *Manager) RevokeAsync(ctx context.Context, id string) error {
	if _, err := m.get(id); err != nil {
		return err
	}
	if m.reaper == nil {
		return errors.New("lease: reaper not running")
	}
	return m.reaper.enqueue(ctx, id)
}

// RevokePrefix revokes every live lease under prefix. With force, leases
// whose revocation fails are forgotten (and recorded so) instead of failing
// the call.
func (m *Manager) RevokePrefix(ctx context.Context, prefix string, force bool) (int, error) {
	var ids []string
	err := leasestore.WithPrefix(m.deps.Store, m.deps.Ledger.Barrier(), prefix, func(id string) bool {
		ids = append(ids, id)
		return true
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		st, err := m.get(id)
		if err != nil {
			return n, err
		}
		if !st.Live() {
			continue
		}
		if err := m.revokeNow(ctx, st, "prefix"); err != nil {
			if !force {
				return n, err
			}
			if err := m.run(ctx, id, func(cur *leaseevent.State) ([]ledger.Event, error) {
				return lease.DecideForget(cur, m.now()), nil
			}); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// RevokeForToken hands every live lease of a revoked token to the reaper.
func (m *Manager) RevokeForToken(ctx context.Context, accessor string) error {
	ids, err := leasestore.ByToken(m.deps.Store, m.deps.Ledger.Barrier(), accessor)
	if err != nil {
		return err
	}
	return m.enqueueAll(ctx, ids)
}

// RevokeUnderLater hands every lease under prefix to the reaper (a
// disabled mount's leases): unlike RevokePrefix it does not stop at the
// first failure, since the reaper retries each lease on its own.
func (m *Manager) RevokeUnderLater(ctx context.Context, prefix string) error {
	var ids []string
	if err := leasestore.WithPrefix(m.deps.Store, m.deps.Ledger.Barrier(), prefix, func(id string) bool {
		ids = append(ids, id)
		return true
	}); err != nil {
		return err
	}
	return m.enqueueAll(ctx, ids)
}

func (m *Manager) enqueueAll(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if m.reaper == nil {
			return errors.New("lease: reaper not running")
		}
		if err := m.reaper.enqueue(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// redact keeps an error's text but never a secret: engines' errors are
// written without secrets, and anything that looks like a URL with
// credentials is cut.
func redact(err error) string {
	s := err.Error()
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i:], "@"); j >= 0 {
			s = s[:i+3] + "REDACTED" + s[i+j:]
		}
	}
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
