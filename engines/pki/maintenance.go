package pki

import (
	"context"
	"errors"
	"log/slog"
	"time"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// maintenanceInterval is how often the elected node looks at every PKI
// mount for a due CRL rotation (auto_rebuild) or auto-tidy run (a pass is
// a few reads per mount, so it can run often). Both are
// recorded as events, so the next elected node picks up where this one
// stopped.
const maintenanceInterval = 15 * time.Second

// maintenanceService is the singleton that runs auto_rebuild and
// auto-tidy, as Vault's periodic function does on the active node.
func maintenanceService(env *framework.Env) framework.Service {
	return framework.Service{Name: "pki auto-rebuild and auto-tidy", Singleton: true, Run: func(ctx context.Context) error {
		t := time.NewTicker(maintenanceInterval)
		defer t.Stop()
		for {
			maintainAll(ctx, env)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}}
}

// maintainAll runs maintain on every PKI mount, each with a backend of
// its own (no cache outlives the pass, so none goes stale).
func maintainAll(ctx context.Context, env *framework.Env) {
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	mounts, err := mountstore.List(env.Store)
	if err != nil {
		log.Warn("pki maintenance: listing mounts", "err", err)
		return
	}
	for _, m := range mounts {
		if m.Type != "pki" || ctx.Err() != nil {
			continue
		}
		b := New(env.Deps, framework.MountInfo{Path: m.Path, Type: m.Type, Accessor: m.Accessor, Options: m.Options,
			Config: framework.MountConfig{DefaultLeaseTTL: m.DefaultLeaseTTL, MaxLeaseTTL: m.MaxLeaseTTL, Options: m.Options}}, env.Clock())
		if err := b.maintain(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pki maintenance failed; retried next pass", "mount", m.Path, "err", err)
		}
	}
}

// maintain rotates the mount's CRLs when auto_rebuild's grace period
// before their expiry has come, and runs auto-tidy when it is due.
func (b *Backend) maintain(ctx context.Context) error {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return err
	}
	return errors.Join(b.autoRebuild(ctx, m), b.autoTidy(ctx, m))
}

func (b *Backend) autoRebuild(ctx context.Context, m *pkievent.Mount) error {
	cfg := crlConfig(m)
	if !cfg.AutoRebuild {
		return nil
	}
	d, err := cfg.Validate()
	if err != nil {
		return err
	}
	if at := m.Config.CRLBaseAt; !at.IsZero() && !d.NeedsRebuild(at, b.ctxNow()) {
		return nil
	}
	return b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) {
		return cmdpki.DecideCRLRotate(st, st.Now)
	})
}
