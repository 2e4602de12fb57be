package lease

import (
	"errors"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// Fields of the lease paths.
var (
	leaseIDField = &framework.FieldSchema{Type: framework.TypeString, Description: "The lease identifier to act on."}
	typeField    = &framework.FieldSchema{Type: framework.TypeString, Query: true, Description: "Type of leases to get (only \"irrevocable\")."}
)

// sysPaths is the sys/leases family, merged into the sys/ mount. Prefix
// revocations, lookups by prefix and the irrevocable list need sudo, as
// Vault's root paths say.
func (m *Manager) sysPaths(compile ACLFunc) *framework.Backend {
	op := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: h}
	}
	list := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ListOperation: h}
	}
	prefixFields := map[string]*framework.FieldSchema{
		"prefix": {Type: framework.TypeString, Description: "The path prefix to revoke leases under."},
		"sync":   {Type: framework.TypeBool, Default: true, Description: "Accepted for compatibility: prefix revocations always finish before the answer."},
	}
	return &framework.Backend{Paths: []*framework.Path{
		// A LIST of "leases/lookup" reaches the sudo route below: the
		// gateway routes every LIST with its trailing slash.
		{Pattern: `leases/lookup`, Fields: map[string]*framework.FieldSchema{"lease_id": leaseIDField}, Synopsis: "View lease metadata.", Operations: op(m.handleLookup)},
		{Pattern: `leases/lookup/(?P<prefix>.*)`, Fields: map[string]*framework.FieldSchema{"prefix": {Type: framework.TypeString, Description: "The path prefix to list leases under."}}, Sudo: true, Synopsis: "List leases by prefix.", Operations: list(m.handleList)},
		{Pattern: `(leases/)?renew(/(?P<id>.+))?`, Fields: map[string]*framework.FieldSchema{
			"lease_id":  leaseIDField,
			"increment": {Type: framework.TypeDurationSecond, Description: "The desired increment in seconds to the lease."},
		}, Synopsis: "Renews a lease, requesting to extend the lease.", Operations: op(m.handleRenew(compile))},
		{Pattern: `(leases/)?revoke(/(?P<id>.+))?`, Fields: map[string]*framework.FieldSchema{
			"lease_id": leaseIDField,
			"sync":     {Type: framework.TypeBool, Default: true, Description: "Whether or not to perform the revocation synchronously."},
		}, Synopsis: "Revokes a lease immediately.", Operations: op(m.handleRevoke(compile))},
		{Pattern: `(leases/)?revoke-prefix/(?P<prefix>.+)`, Fields: prefixFields, Sudo: true, Synopsis: "Revokes all secrets (via a lease ID prefix) or tokens (via the tokens' path property) generated under a given mount path.", Operations: op(m.handleRevokePrefix(false))},
		{Pattern: `(leases/)?revoke-force/(?P<prefix>.+)`, Fields: prefixFields, Sudo: true, Synopsis: "Revokes all secrets or tokens generated under a given prefix immediately, forgetting those whose revocation fails.", Operations: op(m.handleRevokePrefix(true))},
		{Pattern: `leases/count`, Fields: map[string]*framework.FieldSchema{"type": typeField}, Synopsis: "Count of leases associated with this Coffer node.", Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: m.handleCount}},
		{Pattern: `leases`, Fields: map[string]*framework.FieldSchema{"type": typeField}, Sudo: true, Synopsis: "List leases associated with this Coffer node.", Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: m.handleIrrevocable}},
	}}
}

func leaseID(req *framework.Request) (string, error) {
	if id := req.Vars["id"]; id != "" {
		return id, nil
	}
	id := req.String("lease_id")
	if id == "" {
		return "", framework.BadRequest("missing lease_id")
	}
	return id, nil
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
	ttl := st.ExpireAt.Sub(m.now())
	if ttl < 0 || st.State != leaseevent.StateActive {
		ttl = 0
	}
	var lastRenewal any
	if !st.LastRenewal.IsZero() {
		lastRenewal = st.LastRenewal.Format(time.RFC3339Nano)
	}
	return &framework.Response{Data: map[string]any{
		"id": st.ID, "issue_time": st.IssuedAt.Format(time.RFC3339Nano), "expire_time": st.ExpireAt.Format(time.RFC3339Nano),
		"last_renewal": lastRenewal, "renewable": st.Renewable && st.State == leaseevent.StateActive, "ttl": int64(ttl.Seconds()),
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

func (m *Manager) handleRenew(compile ACLFunc) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		id, err := leaseID(req)
		if err != nil {
			return nil, err
		}
		inc := req.Duration("increment")
		cur, err := m.get(id)
		if err != nil {
			return nil, err
		}
		if !mayManage(req, cur, compile) {
			return nil, framework.ErrPermissionDenied
		}
		st, ttl, err := m.Renew(req.Context(), id, inc, cur.TTL)
		if err != nil {
			return nil, err
		}
		return &framework.Response{Secret: &framework.Secret{LeaseID: st.ID, LeaseDuration: ttl, Renewable: st.Renewable}}, nil
	}
}

func (m *Manager) handleRevoke(compile ACLFunc) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		id, err := leaseID(req)
		if err != nil {
			return nil, err
		}
		cur, err := m.get(id)
		if err != nil && !errors.Is(err, leaseevent.ErrNotFound) {
			return nil, err
		}
		if err == nil && !mayManage(req, cur, compile) {
			return nil, framework.ErrPermissionDenied
		}
		if !req.Bool("sync") {
			if err := m.RevokeAsync(req.Context(), id); err != nil && !errors.Is(err, leaseevent.ErrNotFound) {
				return nil, err
			}
			return &framework.Response{StatusCode: http.StatusAccepted}, nil
		}
		if err := m.Revoke(req.Context(), id, "revoked"); err != nil && !errors.Is(err, leaseevent.ErrNotFound) {
			return nil, framework.Errorf(http.StatusBadRequest, "failed to revoke lease: %v", err)
		}
		return nil, nil
	}
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
	if req.String("type") != "irrevocable" {
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
	if req.String("type") != "irrevocable" {
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
