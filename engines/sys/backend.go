package sys

import (
	"context"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// SealState is the node's seal, as sys/health and sys/seal-status report
// it. Dev mode is initialised and unsealed with t=1, n=1.
type SealState interface {
	Sealed() bool
	Initialized() bool
	SealType() string
	Threshold() (t, n int)
}

// Options wires the backend to the node.
type Options struct {
	// Mounts is the routing table; it is reloaded right after a mount
	// change so this node routes by it before the response is sent.
	Mounts *mountstore.Table
	// Policies is the ACL cache; it is invalidated right after a policy
	// change for the same reason.
	Policies *policystore.Cache
	// ResolveToken looks up another token (sys/capabilities).
	ResolveToken func(ctx context.Context, token string) (*framework.Auth, error)
	Seal         SealState
	// Version is reported by sys/health and sys/seal-status.
	Version string
	// BuildDate is reported by sys/seal-status (RFC 3339); optional.
	BuildDate string
	// EngineTypes, when not empty, lists the mount types sys/mounts
	// accepts; any other type is refused as Vault refuses a plugin
	// missing from its catalog.
	EngineTypes []string
}

type backend struct {
	deps framework.Deps
	opts Options
}

// New returns the sys backend.
func New(deps framework.Deps, opts Options) framework.Backend {
	return &backend{deps: deps, opts: opts}
}

// Paths is the sys path table, tried in order.
func (b *backend) Paths() []*framework.Path {
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{
		b.mountPaths(), b.authPaths(), b.uiMountPaths(), b.policyPaths(),
		b.capabilityPaths(), b.statusPaths(), b.keyPaths(),
	} {
		paths = append(paths, family...)
	}
	return paths
}

// RootPaths are the sys paths that need sudo, as Vault's system backend
// declares them (its PathsSpecial.Root), with the "sys/" prefix the
// gateway matches on. A trailing "*" matches any suffix. Paths not
// implemented yet are listed anyway so they stay protected when they are.
func RootPaths() []string {
	return []string{
		"sys/auth/*",
		"sys/remount",
		"sys/audit",
		"sys/audit/*",
		"sys/raw",
		"sys/raw/*",
		"sys/rotate",
		"sys/config/cors",
		"sys/config/auditing/*",
		"sys/config/ui/headers/*",
		"sys/plugins/catalog/*",
		"sys/revoke-prefix/*",
		"sys/revoke-force/*",
		"sys/leases/revoke-prefix/*",
		"sys/leases/revoke-force/*",
		"sys/leases/lookup/*",
		"sys/leases",
		"sys/internal/inspect/*",
	}
}
