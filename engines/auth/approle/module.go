package approle

import (
	"time"

	cmdapprole "github.com/cofferhq/coffer/commands/approle"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/auth/ratelimit"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
)

// Type is the mount type.
const Type = "approle"

// Module is the AppRole auth method: roles, role IDs and secret IDs kept
// in the ledger (events/approleevent, read model authstore), logins that
// return the Auth block the core mints a token from.
var Module = framework.Module{
	Type:        Type,
	Kind:        framework.AuthMethod,
	Description: "machine logins with a role ID and a secret ID",
	ReadModels: []framework.ReadModel{{
		Name: "approle", Prefixes: []string{authstore.AppRolePrefix}, Register: authstore.RegisterAppRole,
	}},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		m := &method{deps: env.Deps, now: env.Clock()}
		return &framework.Instance{Factory: m.factory, RenewLogin: m.renewLogin}, nil
	},
}

// method is the node-wide part: the stores, the clock and the failed-login
// limiter its mounts share.
type method struct {
	deps framework.Deps
	now  func() time.Time
}

// backend is one AppRole mount.
type backend struct {
	m       *method
	mount   string // accessor
	limiter *ratelimit.Limiter
	// limiterErr refuses logins while the mount's limiter options are malformed.
	limiterErr error
	runner     *cmdapprole.Runner
}

func (m *method) factory(mount framework.MountInfo) (*framework.Backend, error) {
	limiter, limiterErr := authpath.Limiter(mount, m.now)
	b := &backend{m: m, mount: mount.Accessor, limiter: limiter, limiterErr: limiterErr, runner: &cmdapprole.Runner{Bus: m.deps.Bus, Mount: mount.Accessor}}
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{b.loginPaths(), b.rolePaths(), b.roleFieldPaths(), b.secretIDPaths(), b.tidyPaths()} {
		paths = append(paths, family...)
	}
	return &framework.Backend{Paths: paths, Help: "Any registered Role can authenticate itself with Coffer. The credentials that depend on the constraints set on the role are required: a role ID, and a secret ID when bind_secret_id is set."}, nil
}

func (b *backend) barrier() (*ledger.Barrier, error) {
	return b.m.deps.Ledger.UnsealedBarrier()
}

func limits(req *framework.Request) MountLimits {
	return MountLimits{MaxLeaseTTL: req.MountConfig.MaxLeaseTTL}
}
