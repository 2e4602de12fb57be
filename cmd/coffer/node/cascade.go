package node

import (
	"context"
	"encoding/json"
	"log/slog"

	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
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

// revokeLeasesOfDisabledMounts revokes every lease issued under a mount
// that was disabled, as Vault does on unmount: the engine's credentials
// must not outlive the mount that made them.
func revokeLeasesOfDisabledMounts(ctx context.Context, leases *leaseeng.Manager, log *slog.Logger) projections.Observer {
	return func(recs []ledger.Record) {
		var paths []string
		for _, r := range recs {
			if r.Type != mountstore.EventDisabled {
				continue
			}
			var ev mountstore.Disabled
			if err := json.Unmarshal(r.Data, &ev); err == nil && ev.Path != "" {
				paths = append(paths, ev.Path)
			}
		}
		if len(paths) == 0 {
			return
		}
		go func() {
			for _, p := range paths {
				if err := leases.RevokeUnderLater(ctx, p); err != nil && ctx.Err() == nil {
					log.Warn("revoking the leases of a disabled mount", "mount", p, "err", err)
				}
			}
		}()
	}
}
