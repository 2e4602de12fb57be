package lease

import (
	"errors"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// RootPaths are the lease paths that need sudo, as in Vault.
func RootPaths() []string {
	return []string{
		"sys/leases/revoke-prefix/*", "sys/leases/revoke-force/*",
		"sys/revoke-prefix/*", "sys/revoke-force/*",
		"sys/leases/lookup/*",
	}
}

// SysPaths is the sys/leases family, merged into the sys/ mount.
func (m *Manager) SysPaths() framework.Backend {
	op := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: h}
	}
	return framework.Paths{
		{Pattern: `leases/lookup`, Operations: op(m.handleLookup)},
		{Pattern: `leases/lookup/?(?P<prefix>.*)`, Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: m.handleList}},
		{Pattern: `(leases/)?renew(/(?P<id>.+))?`, Operations: op(m.handleRenew)},
		{Pattern: `(leases/)?revoke(/(?P<id>.+))?`, Operations: op(m.handleRevoke)},
		{Pattern: `(leases/)?revoke-prefix/(?P<prefix>.+)`, Operations: op(m.handleRevokePrefix(false))},
		{Pattern: `(leases/)?revoke-force/(?P<prefix>.+)`, Operations: op(m.handleRevokePrefix(true))},
		{Pattern: `leases/count`, Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: m.handleCount}},
		{Pattern: `leases`, Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: m.handleIrrevocable}},
	}
}

func leaseID(req *framework.Request) (string, error) {
	if id := req.Vars["id"]; id != "" {
		return id, nil
	}
	id, _, err := req.String("lease_id")
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", framework.BadRequest("missing lease_id")
	}
	return id, nil
}

func leaseError(err error) error {
	switch {
	case errors.Is(err, lease.ErrNotFound):
		return framework.BadRequest("invalid lease")
	case errors.Is(err, lease.ErrNotRenewable):
		return framework.BadRequest("lease is not renewable")
	case errors.Is(err, lease.ErrRevoked):
		return framework.BadRequest("lease not found or lease is not renewable")
	}
	return err
}

func (m *Manager) handleLookup(req *framework.Request) (*framework.Response, error) {
	id, err := leaseID(req)
	if err != nil {
		return nil, err
	}
	st, err := m.get(id)
	if err != nil || !st.Live() {
		return nil, framework.BadRequest("invalid lease")
	}
	ttl := time.Until(st.ExpireAt)
	if ttl < 0 || st.State != lease.StateActive {
		ttl = 0
	}
	var lastRenewal any
	if !st.LastRenewal.IsZero() {
		lastRenewal = st.LastRenewal.Format(time.RFC3339Nano)
	}
	return &framework.Response{Data: map[string]any{
		"id": st.ID, "issue_time": st.IssuedAt.Format(time.RFC3339Nano), "expire_time": st.ExpireAt.Format(time.RFC3339Nano),
		"last_renewal": lastRenewal, "renewable": st.Renewable && st.State == lease.StateActive, "ttl": int64(ttl.Seconds()),
	}}, nil
}

func (m *Manager) handleList(req *framework.Request) (*framework.Response, error) {
	keys, err := leasestore.ListKeys(m.deps.Store, m.deps.Ledger.Barrier(), req.Vars["prefix"])
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": keys}}, nil
}

func (m *Manager) handleRenew(req *framework.Request) (*framework.Response, error) {
	id, err := leaseID(req)
	if err != nil {
		return nil, err
	}
	inc, _, err := req.Duration("increment")
	if err != nil {
		return nil, err
	}
	cur, err := m.get(id)
	if err != nil {
		return nil, leaseError(err)
	}
	st, ttl, err := m.Renew(req.Context(), id, inc, cur.TTL)
	if err != nil {
		return nil, leaseError(err)
	}
	return &framework.Response{Secret: &framework.Secret{LeaseID: st.ID, LeaseDuration: ttl, Renewable: st.Renewable}}, nil
}

func (m *Manager) handleRevoke(req *framework.Request) (*framework.Response, error) {
	id, err := leaseID(req)
	if err != nil {
		return nil, err
	}
	sync := true
	if v, ok, err := req.Bool("sync"); err != nil {
		return nil, err
	} else if ok {
		sync = v
	}
	if !sync {
		if err := m.RevokeAsync(req.Context(), id); err != nil && !errors.Is(err, lease.ErrNotFound) {
			return nil, err
		}
		return &framework.Response{StatusCode: http.StatusAccepted}, nil
	}
	if err := m.Revoke(req.Context(), id, "revoked"); err != nil && !errors.Is(err, lease.ErrNotFound) {
		return nil, framework.Errorf(http.StatusBadRequest, "failed to revoke lease: %v", err)
	}
	return nil, nil
}

func (m *Manager) handleRevokePrefix(force bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		prefix := req.Vars["prefix"]
		if _, err := m.RevokePrefix(req.Context(), prefix, force); err != nil {
			return nil, framework.Errorf(http.StatusBadRequest, "failed to revoke prefix: %v", err)
		}
		return nil, nil
	}
}

func (m *Manager) handleCount(req *framework.Request) (*framework.Response, error) {
	if req.Query.Get("type") != "irrevocable" {
		return nil, framework.BadRequest("type must be \"irrevocable\"")
	}
	ls, err := m.Irrevocable()
	if err != nil {
		return nil, err
	}
	counts := map[string]any{}
	for _, l := range ls {
		n, _ := counts[l.MountAccessor].(int)
		counts[l.MountAccessor] = n + 1
	}
	return &framework.Response{Data: map[string]any{"lease_count": len(ls), "counts": counts}}, nil
}

func (m *Manager) handleIrrevocable(req *framework.Request) (*framework.Response, error) {
	if req.Query.Get("type") != "irrevocable" {
		return nil, framework.BadRequest("type must be \"irrevocable\"")
	}
	ls, err := m.Irrevocable()
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(ls))
	for _, l := range ls {
		out = append(out, map[string]any{"lease_id": l.ID, "mount_id": l.MountAccessor, "error": l.LastError, "attempts": l.Attempts, "state": l.State})
	}
	return &framework.Response{Data: map[string]any{"leases": out, "lease_count": len(ls)}}, nil
}
