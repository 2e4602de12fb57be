package node

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	"github.com/cofferhq/coffer/commands/mount"
	tokencmd "github.com/cofferhq/coffer/commands/token"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// Leases and tokens do not outlive what issued them, as in Vault: revoking
// a token revokes its leases; disabling a mount revokes the leases issued
// under it, and disabling an auth method revokes the tokens its logins
// minted. Leases go to the reaper, which retries each on its own.

func revokeLeasesOfRevokedTokens(ctx context.Context, wg *sync.WaitGroup, leases *leaseeng.Manager, log *slog.Logger) projections.Observer {
	return cascade(ctx, wg, log, tokenevent.EventRevoked, func(data []byte) string {
		var ev tokenevent.Revoked
		if json.Unmarshal(data, &ev) != nil {
			return ""
		}
		return ev.Accessor
	}, leases.RevokeForToken)
}

func revokeWhatDisabledMountsIssued(ctx context.Context, a *activeNode, log *slog.Logger) projections.Observer {
	return cascade(ctx, &a.wg, log, mountevent.EventDisabled, func(data []byte) string {
		var ev mountevent.Disabled
		if json.Unmarshal(data, &ev) != nil {
			return ""
		}
		return ev.Path
	}, func(ctx context.Context, path string) error {
		if err := a.leases.RevokeUnderLater(ctx, path); err != nil {
			return err
		}
		if strings.HasPrefix(path, mount.AuthPrefix) {
			return revokeTokensUnder(ctx, a, path)
		}
		return nil
	})
}

// revokeTokensUnder revokes every live token minted by a login under the
// auth mount path (and, with each, its children). It scans the token read
// model: disabling an auth method is rare, and its tokens are not indexed
// by path.
func revokeTokensUnder(ctx context.Context, a *activeNode, path string) error {
	b := a.deps.Ledger.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	var hashes []string
	err := tokenstore.Each(a.store, b, func(t *tokenevent.Token) bool {
		if strings.HasPrefix(t.Path, path) {
			hashes = append(hashes, t.Hash)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tokencmd.RevokeTree(ctx, a.deps.Bus, h, tokenevent.ReasonRevoked); err != nil {
			return err
		}
	}
	return nil
}

// cascade calls revoke with the key that key extracts from every committed
// event of type typ. Observers must not block the projector, so the work
// runs in its own goroutine, which wg tracks (the node waits for it once
// the projector has stopped, so no Add races the Wait).
func cascade(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, typ string, key func([]byte) string, revoke func(context.Context, string) error) projections.Observer {
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, k := range keys {
				if err := revoke(ctx, k); err != nil && ctx.Err() == nil {
					log.Warn("revoking after "+typ, "err", err)
				}
			}
		}()
	}
}
