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

// Leases do not outlive what issued them, as in Vault: revoking a token
// revokes its leases, disabling a mount revokes the leases issued under it.
// Both hand the leases to the reaper, which retries each on its own.

func revokeLeasesOfRevokedTokens(ctx context.Context, leases *leaseeng.Manager, log *slog.Logger) projections.Observer {
	return leaseCascade(ctx, log, tokenstore.EventRevoked, func(data []byte) string {
		var ev tokenstore.Revoked
		if json.Unmarshal(data, &ev) != nil {
			return ""
		}
		return ev.Accessor
	}, leases.RevokeForToken)
}

func revokeLeasesOfDisabledMounts(ctx context.Context, leases *leaseeng.Manager, log *slog.Logger) projections.Observer {
	return leaseCascade(ctx, log, mountstore.EventDisabled, func(data []byte) string {
		var ev mountstore.Disabled
		if json.Unmarshal(data, &ev) != nil {
			return ""
		}
		return ev.Path
	}, leases.RevokeUnderLater)
}

// leaseCascade calls revoke with the key that key extracts from every
// committed event of type typ. Observers must not block the projector, so
// the work runs in its own goroutine.
func leaseCascade(ctx context.Context, log *slog.Logger, typ string, key func([]byte) string, revoke func(context.Context, string) error) projections.Observer {
	return func(recs []ledger.Record) {
		var keys []string
		for _, r := range recs {
			if r.Type == typ {
				if k := key(r.Data); k != "" {
					keys = append(keys, k)
				}
			}
		}
		if len(keys) == 0 {
			return
		}
		go func() {
			for _, k := range keys {
				if err := revoke(ctx, k); err != nil && ctx.Err() == nil {
					log.Warn("revoking leases after "+typ, "err", err)
				}
			}
		}()
	}
}
