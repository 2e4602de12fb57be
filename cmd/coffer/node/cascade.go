package node

import (
	"context"
	"encoding/json"
	"log/slog"

	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// revokeLeasesOfRevokedTokens hands the leases of every revoked token to
// the reaper, as Vault revokes a token's leases with the token. Observers
// must not block the projector, so the work runs in its own goroutine.
func revokeLeasesOfRevokedTokens(ctx context.Context, leases *leaseeng.Manager, log *slog.Logger) projections.Observer {
	return func(recs []ledger.Record) {
		var accessors []string
		for _, r := range recs {
			if r.Type != tokenstore.EventRevoked {
				continue
			}
			var ev tokenstore.Revoked
			if err := json.Unmarshal(r.Data, &ev); err == nil && ev.Accessor != "" {
				accessors = append(accessors, ev.Accessor)
			}
		}
		if len(accessors) == 0 {
			return
		}
		go func() {
			for _, a := range accessors {
				if err := leases.RevokeForToken(ctx, a); err != nil && ctx.Err() == nil {
					log.Warn("revoking leases of a revoked token", "err", err)
				}
			}
		}()
	}
}
