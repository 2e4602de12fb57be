package token

import (
	"errors"
	"time"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// Backend serves the auth/token/ mount.
type Backend struct {
	deps  framework.Deps
	mount framework.MountInfo
}

// Factory builds the token backend. The gateway mounts it at auth/token/.
func Factory(deps framework.Deps, mount framework.MountInfo) (framework.Backend, error) {
	return &Backend{deps: deps, mount: mount}, nil
}

// RootPaths are the token paths that need sudo, as full API paths in the
// gateway's pattern syntax (Vault's token store lists the same two).
func RootPaths() []string {
	return []string{"auth/token/revoke-orphan*", "auth/token/accessors*"}
}

// Paths implements framework.Backend.
func (b *Backend) Paths() []*framework.Path {
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{b.createPaths(), b.lookupPaths(), b.renewPaths(), b.revokePaths(), b.adminPaths()} {
		paths = append(paths, family...)
	}
	return paths
}

func (b *Backend) barrier() (*ledger.Barrier, error) {
	br := b.deps.Ledger.Barrier()
	if br == nil {
		return nil, ledger.ErrSealed
	}
	return br, nil
}

// limits are the mount's TTL bounds (Vault's system defaults unless tuned).
func limits(req *framework.Request) tokencmd.Limits {
	return tokencmd.Limits{DefaultTTL: req.MountConfig.DefaultLeaseTTL, MaxTTL: req.MountConfig.MaxLeaseTTL}
}

// live returns the record of raw if the token is usable now, or nil.
func (b *Backend) live(raw string, now time.Time) (*tokenstore.Token, error) {
	if raw == "" {
		return nil, nil
	}
	br, err := b.barrier()
	if err != nil {
		return nil, err
	}
	t, err := tokenstore.Lookup(b.deps.Store, br, raw)
	return liveOnly(t, err, now)
}

// liveByAccessor is live for an accessor.
func (b *Backend) liveByAccessor(accessor string, now time.Time) (*tokenstore.Token, error) {
	br, err := b.barrier()
	if err != nil {
		return nil, err
	}
	t, err := tokenstore.ByAccessor(b.deps.Store, br, accessor)
	return liveOnly(t, err, now)
}

// liveOnly filters a lookup's answer: nil (and no error) for a token that
// is missing or no longer usable at now.
func liveOnly(t *tokenstore.Token, err error, now time.Time) (*tokenstore.Token, error) {
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !t.Live(now) {
		return nil, nil
	}
	return t, nil
}

// liveOr is live for an endpoint that needs the token: notFound is its
// answer when raw names no usable token.
func (b *Backend) liveOr(raw string, at time.Time, notFound error) (*tokenstore.Token, error) {
	t, err := b.live(raw, at)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, notFound
	}
	return t, nil
}

// requestToken reads the "token" field of an endpoint that acts on a token
// other than the caller's, which it must name.
func requestToken(req *framework.Request) (string, error) {
	raw, _, err := req.String("token")
	if err != nil {
		return "", err
	}
	if raw == "" {
		return "", framework.BadRequest("missing token ID")
	}
	return raw, nil
}

// accessorToken reads the "accessor" field and returns the token it names
// if that is usable at at, or nil: each endpoint answers a missing token
// its own way.
func (b *Backend) accessorToken(req *framework.Request, at time.Time) (*tokenstore.Token, error) {
	accessor, _, err := req.String("accessor")
	if err != nil {
		return nil, err
	}
	if accessor == "" {
		return nil, framework.BadRequest("missing accessor")
	}
	return b.liveByAccessor(accessor, at)
}

func callerToken(req *framework.Request) string {
	if req.Auth == nil {
		return ""
	}
	return req.Auth.ClientToken
}

func now() time.Time { return time.Now().UTC() }
