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

// EnsureRoot makes sure a root token (policy "root", no parent, no expiry)
// with value id exists and returns id. An empty id gets a random token. A
// restart with the same data directory and id finds the token again and
// appends nothing.
func EnsureRoot(ctx context.Context, deps framework.Deps, id string) (string, error) {
	b := deps.Ledger.Barrier()
	if b == nil {
		return "", ledger.ErrSealed
	}
	if id == "" {
		id = tokencmd.NewToken()
	}
	t, err := tokenstore.Lookup(deps.Store, b, id)
	switch {
	case err == nil && t.IsRoot():
		return id, nil
	case err == nil:
		return "", ErrRootIDInUse
	case !errors.Is(err, tokenstore.ErrNotFound):
		return "", fmt.Errorf("token: look up root token: %w", err)
	}
	_, err = tokencmd.Create(ctx, deps.Bus, id, tokencmd.NewAccessor(), tokencmd.PlanRoot(now()))
	if err != nil && !errors.Is(err, tokencmd.ErrDuplicateID) {
		return "", fmt.Errorf("token: create root token: %w", err)
	}
	return id, nil
}
