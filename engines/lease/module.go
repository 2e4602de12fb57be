package lease

import (
	"errors"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// ErrNoManager reports a node whose Env.Leases is not this package's
// Manager.
var ErrNoManager = errors.New("lease: the node's lease manager is not a *lease.Manager")

// Module is the sys/leases service. The lease manager itself is core: the
// node builds it (NewManager), hands it to every module as Env.Leases,
// registers their Revokers and runs its scheduler and reaper; this module
// serves its paths and publishes its events.
var Module = framework.Module{
	Type:        "leases",
	Kind:        framework.SysService,
	Description: "lease lookup, renewal and revocation",
	ReadModels: []framework.ReadModel{{
		Name: "leasestore", Prefixes: []string{"lease/", "lexp/", "lpend/", "ltok/"}, Register: leasestore.Register,
	}},
	Events:  []framework.EventMap{eventMap},
	StateAt: []framework.StateQuery{stateQuery},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		m, ok := env.Leases.(*Manager)
		if !ok {
			return nil, ErrNoManager
		}
		var compile ACLFunc
		if env.Policies != nil {
			compile = env.Policies.ACL
		}
		return &framework.Instance{Sys: m.sysPaths(compile)}, nil
	},
}

// stateQuery shows a lease's state at a past ledger index, for
// sys/leases/<id> (or sys/leases/lookup/<id>). It never shows the
// engine's revoke data or its last error: they may name database users
// and connection details.
var stateQuery = framework.StateQuery{Describe: func(sv *framework.StateView, path string) (map[string]any, bool, error) {
	var id string
	for _, prefix := range []string{"sys/leases/lookup/", "sys/leases/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok && rest != "" {
			id = rest
			break
		}
	}
	if id == "" {
		return nil, false, nil
	}
	s, err := leasestore.Get(sv.Store, sv.Ledger.Barrier(), id)
	if errors.Is(err, leaseevent.ErrNotFound) {
		return nil, true, framework.ErrNotFound
	}
	if err != nil {
		return nil, true, err
	}
	return map[string]any{
		"kind": "lease", "id": s.ID, "state": s.State, "engine": s.Engine, "mount_path": s.MountPath,
		"issued_from":    strings.TrimSuffix(s.MountPath, "/") + "/" + strings.Trim(s.Path, "/"),
		"token_accessor": s.TokenAccessor, "renewable": s.Renewable,
		"issue_time": fmtTime(s.IssuedAt), "expire_time": fmtTime(s.ExpireAt),
		"max_expire_time": fmtTime(s.MaxExpireAt), "last_renewal_time": fmtTime(s.LastRenewal),
		"revoke_time": fmtTime(s.RevokedAt), "reason": s.Reason, "revocation_attempts": s.Attempts,
	}, true, nil
}}

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
