package token

import (
	"errors"
	"time"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// Module is the token store: the built-in auth method at auth/token/, and
// (through Env.Tokens, which the node builds with NewResolver) the core's
// token resolver and minter.
var Module = framework.Module{
	Type:            "token",
	Kind:            framework.AuthMethod,
	Builtin:         "auth/token/",
	BuiltinAccessor: "auth_token",
	Description:     "token based credentials",
	ReadModels: []framework.ReadModel{
		{Name: "tokenstore", Prefixes: []string{"tok/"}, Register: tokenstore.Register},
		{Name: "tokenroles", Prefixes: []string{authstore.TokenRolePrefix}, Register: authstore.RegisterTokenRoles},
	},
	Events:  []framework.EventMap{eventMap},
	StateAt: []framework.StateQuery{stateQuery},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		return &framework.Instance{Factory: func(mount framework.MountInfo) (*framework.Backend, error) {
			return New(env.Deps, mount, Logins{Mounts: env.Mounts, Renewers: env.LoginRenewers}), nil
		}}, nil
	},
}

// Backend serves the auth/token/ mount.
type Backend struct {
	deps   framework.Deps
	mount  framework.MountInfo
	logins Logins
}

// Logins is how the token store finds a login token's auth method when
// the token is renewed. The zero value checks nothing (tokens renew
// within their limits alone).
type Logins struct {
	Mounts   *mountstore.Table
	Renewers *framework.LoginRenewers
}

// New builds the token store's backend (mounted at auth/token/). Its sudo
// paths are Vault's token store's: revoke-orphan and accessors.
func New(deps framework.Deps, mount framework.MountInfo, logins Logins) *framework.Backend {
	b := &Backend{deps: deps, mount: mount, logins: logins}
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{b.createPaths(), b.lookupPaths(), b.renewPaths(), b.revokePaths(), b.adminPaths(), b.rolePaths()} {
		paths = append(paths, family...)
	}
	return &framework.Backend{Paths: paths, Help: "The token credential backend is always enabled and builtin to Coffer. Client tokens are used to identify a client and to allow Coffer to associate policies and ACLs which are enforced on every request."}
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
func (b *Backend) live(raw string, now time.Time) (*tokenevent.Token, error) {
	if raw == "" {
		return nil, nil
	}
	br, err := b.barrier()
	if err != nil {
		return nil, err
	}
	if tokencmd.IsBatch(raw) {
		t, err := tokencmd.OpenBatch(b.deps.Store, br, raw)
		return liveOnly(t, err, now)
	}
	t, err := tokenstore.Lookup(b.deps.Store, br, raw)
	return liveOnly(t, err, now)
}

// caller is live for the caller's own token, taken from what the gateway
// resolved for this request when it can be (unlimited tokens): a second
// read of the same record (a keyed hash and a pebble read) was 2% of a
// token creation's CPU. A parent revoked since is still caught: its child is dropped when
// the projection applies the creation, and the creator is told
// (tokencmd.ErrParentRevoked).
func (b *Backend) caller(req *framework.Request, now time.Time) (*tokenevent.Token, error) {
	if req.Auth != nil {
		// Only an unlimited token: a limited one had a use spent since
		// it was resolved (perhaps its last), and is read again.
		if t, ok := req.Auth.Record.(*tokenevent.Token); ok && t != nil && t.NumUses == 0 {
			if !t.Live(now) {
				return nil, nil
			}
			return t, nil
		}
	}
	return b.live(callerToken(req), now)
}

// liveByAccessor is live for an accessor.
func (b *Backend) liveByAccessor(accessor string, now time.Time) (*tokenevent.Token, error) {
	br, err := b.barrier()
	if err != nil {
		return nil, err
	}
	t, err := tokenstore.ByAccessor(b.deps.Store, br, accessor)
	return liveOnly(t, err, now)
}

// liveOnly filters a lookup's answer: nil (and no error) for a token that
// is missing or no longer usable at now.
func liveOnly(t *tokenevent.Token, err error, now time.Time) (*tokenevent.Token, error) {
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
func (b *Backend) liveOr(raw string, at time.Time, notFound error) (*tokenevent.Token, error) {
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
	raw := req.String("token")
	if raw == "" {
		return "", framework.BadRequest("missing token ID")
	}
	return raw, nil
}

// accessorToken reads the "accessor" field and returns the token it names
// if that is usable at at, or nil: each endpoint answers a missing token
// its own way.
func (b *Backend) accessorToken(req *framework.Request, at time.Time) (*tokenevent.Token, error) {
	accessor := req.String("accessor")
	if accessor == "" {
		return nil, framework.BadRequest("missing accessor")
	}
	return b.liveByAccessor(accessor, at)
}

// Fields the token paths share.
var (
	tokenField = map[string]*framework.FieldSchema{
		"token": {Type: framework.TypeString, Description: "Token to act on"},
	}
	accessorField = map[string]*framework.FieldSchema{
		"accessor": {Type: framework.TypeString, Description: "Accessor of the token"},
	}
)

func callerToken(req *framework.Request) string {
	if req.Auth == nil {
		return ""
	}
	return req.Auth.ClientToken
}

func now() time.Time { return time.Now().UTC() }
