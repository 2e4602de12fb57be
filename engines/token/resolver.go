package token

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// Resolver is the core's token store (framework.TokenStore): it
// authenticates the raw tokens of requests for the gateway, spends the uses
// of limited-use tokens, and mints the tokens of logins.
type Resolver struct {
	deps framework.Deps
}

var _ framework.TokenStore = (*Resolver)(nil)

// NewResolver builds a resolver over the token read model.
func NewResolver(deps framework.Deps) *Resolver { return &Resolver{deps: deps} }

// Resolve returns the caller behind raw, or an error wrapping
// framework.ErrPermissionDenied for an unknown, revoked, used-up or
// expired token. It costs one keyed hash and one pebble read; the error
// never contains the token.
func (r *Resolver) Resolve(ctx context.Context, raw string) (*framework.Caller, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: no token", framework.ErrPermissionDenied)
	}
	b := r.deps.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	var t *tokenevent.Token
	var err error
	if tokencmd.IsBatch(raw) {
		t, err = tokencmd.OpenBatch(r.deps.Store, b, raw)
	} else {
		t, err = tokenstore.Get(r.deps.Store, b, tokenstore.Hash(b, raw))
	}
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown or revoked token", framework.ErrPermissionDenied)
	}
	if err != nil {
		return nil, err
	}
	if !t.Live(now()) {
		return nil, fmt.Errorf("%w: token expired", framework.ErrPermissionDenied)
	}
	return &framework.Caller{
		ClientToken: raw,
		Accessor:    t.Accessor,
		Policies:    t.Policies,
		TokenType:   t.Type,
		EntityID:    t.EntityID,
		DisplayName: t.DisplayName,
		Meta:        t.Meta,
		IsRoot:      t.IsRoot(),
		Parent:      t.Parent,
		Orphan:      t.Orphan(),
		ExpireTime:  t.Deadline(),
		BoundCIDRs:  t.BoundCIDRs,
		NumUses:     t.NumUses,
		Record:      t,
	}, nil
}

// Login mints the token of a successful login, as Vault's core does: the
// auth method's Auth block becomes a token.created event (no parent, the
// login's path, the auth mount's accessor and the alias the login named),
// with policies sanitised and TTLs capped by the auth mount's tune. It
// returns auth with the token's fields filled in.
func (r *Resolver) Login(ctx context.Context, req *framework.Request, auth *framework.Auth) (*framework.Auth, error) {
	alias := ""
	if auth.Alias != nil {
		alias = auth.Alias.Name
	}
	plan, warnings, err := tokencmd.PlanLogin(tokencmd.Login{
		MountPath: req.MountPath, MountAccessor: req.MountAccessor,
		Path:        strings.TrimSuffix(req.MountPath, "/") + "/" + req.Path,
		DisplayName: auth.DisplayName, Policies: auth.Policies, NoDefaultPolicy: auth.NoDefaultPolicy,
		Meta: auth.Metadata, InternalData: auth.InternalData, TTL: auth.TTL, MaxTTL: auth.MaxTTL,
		ExplicitMaxTTL: auth.ExplicitMaxTTL, Period: auth.Period, NumUses: auth.NumUses,
		BoundCIDRs: auth.BoundCIDRs, TokenType: auth.TokenType, Renewable: auth.Renewable, Alias: alias,
	}, limits(req), now())
	if err != nil {
		return nil, err
	}
	var t *tokenevent.Token
	var raw string
	if plan.Type == tokencmd.TypeBatch {
		// Nothing is stored: the login's audit records are its trace.
		b := r.deps.Ledger.Barrier()
		if raw, err = tokencmd.SealBatch(b, plan); err != nil {
			return nil, err
		}
		t, err = tokencmd.OpenBatch(r.deps.Store, b, raw)
	} else {
		raw = tokencmd.NewToken()
		t, err = tokencmd.Create(ctx, r.deps.Bus, raw, tokencmd.NewAccessor(), plan)
	}
	if err != nil {
		return nil, err
	}
	out := *authResponse(t, raw)
	out.DisplayName, out.BoundCIDRs, out.Alias, out.Period, out.ExplicitMaxTTL = t.DisplayName, t.BoundCIDRs, auth.Alias, t.Period, t.ExplicitMaxTTL
	_ = warnings // Vault drops a login's TTL warnings too
	return &out, nil
}

// Use spends one use of the caller's token if it has a use limit; the last
// use revokes it. It reads the token's record again (one pebble read) and
// appends only for limited-use tokens. A token whose uses ran out since it
// was resolved (a concurrent request took the last one) is refused with
// framework.ErrPermissionDenied.
func (r *Resolver) Use(ctx context.Context, auth *framework.Caller) error {
	if auth == nil || auth.ClientToken == "" || auth.TokenType == tokencmd.TypeBatch || auth.NumUses <= 0 {
		// Batch tokens have no use limit, and neither has a token that
		// had none when resolved: num_uses only counts down from a limit
		// set at creation, so there is nothing to spend.
		return nil
	}
	b := r.deps.Ledger.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	err := tokencmd.Use(ctx, r.deps.Bus, tokenstore.Hash(b, auth.ClientToken))
	if errors.Is(err, tokencmd.ErrNotFound) {
		return fmt.Errorf("%w: token has no uses left", framework.ErrPermissionDenied)
	}
	return err
}
