package token

import (
	"context"
	"errors"
	"fmt"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// Resolver authenticates the raw tokens of requests for the gateway.
type Resolver struct {
	deps framework.Deps
}

// NewResolver builds a resolver over the token read model.
func NewResolver(deps framework.Deps) *Resolver { return &Resolver{deps: deps} }

// Resolve returns the caller behind raw, or an error wrapping
// framework.ErrPermissionDenied for an unknown, revoked, used-up or
// expired token. It costs one keyed hash and one pebble read; the error
// never contains the token.
func (r *Resolver) Resolve(ctx context.Context, raw string) (*framework.Auth, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: no token", framework.ErrPermissionDenied)
	}
	b := r.deps.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	t, err := tokenstore.Get(r.deps.Store, b, tokenstore.Hash(b, raw))
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown or revoked token", framework.ErrPermissionDenied)
	}
	if err != nil {
		return nil, err
	}
	if !t.Live(now()) {
		return nil, fmt.Errorf("%w: token expired", framework.ErrPermissionDenied)
	}
	return &framework.Auth{
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
	}, nil
}

// Use spends one use of the caller's token if it has a use limit; the last
// use revokes it. It reads the token's record again (one pebble read) and
// appends only for limited-use tokens. A token whose uses ran out since it
// was resolved (a concurrent request took the last one) is refused with
// framework.ErrPermissionDenied.
func (r *Resolver) Use(ctx context.Context, auth *framework.Auth) error {
	if auth == nil || auth.ClientToken == "" {
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
