package node

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/database"
	"github.com/cofferhq/coffer/engines/events"
	"github.com/cofferhq/coffer/engines/framework"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// activeNode is everything that exists only while the node is unsealed:
// the projections and their projector, the engines, the background loops
// and the full gateway. Sealing tears it down; unsealing builds it anew.
type activeNode struct {
	store     *projections.Store
	projector *projections.Projector
	deps      framework.Deps
	leases    *leaseeng.Manager
	database  *database.Engine
	sinks     *audit.Sinks
	events    *events.Hub
	cancel    context.CancelFunc
	done      chan struct{}
	wg        sync.WaitGroup // background loops other than the projector
}

// activate builds the unsealed node on an unsealed ledger and switches the
// served handler to the full gateway.
func (n *Node) activate(ctx context.Context) (err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.active != nil {
		return nil
	}
	a := &activeNode{done: make(chan struct{})}
	defer func() {
		if err != nil {
			a.stop()
		}
	}()
	if a.store, err = projections.Open(filepath.Join(n.cfg.DataDir, "projections")); err != nil {
		return err
	}
	a.projector = projections.NewProjector(a.store, n.ledger, n.cfg.Log)
	for _, register := range readModels {
		register(a.projector)
	}
	n.ledger.Writer().SetVersionSource(a.store)
	mounts := mountstore.NewTable(a.store)
	policies := policystore.NewCache(a.store)
	a.projector.Observe(mounts.Observer())
	a.projector.Observe(policies.Observer())
	// The event hub observes from the projections' applied index on, so
	// it is registered before the projector runs. Its token resolver is
	// built below with the engines; streams start only after that.
	var resolver *token.Resolver
	a.events = events.NewHub(events.Options{
		Deps: framework.Deps{Store: a.store, Ledger: n.ledger, Log: n.cfg.Log}, ACL: policies.ACL,
		Resolve:    func(ctx context.Context, raw string) (*framework.Auth, error) { return resolver.Resolve(ctx, raw) },
		ReadModels: readModels, ScratchDir: filepath.Join(n.cfg.DataDir, "scratch"),
	})
	a.projector.Observe(a.events.Observer())
	if n.http != nil {
		// Open streams would otherwise hold http.Server.Shutdown until its
		// deadline.
		n.http.RegisterOnShutdown(a.events.Close)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go func() {
		defer close(a.done)
		_ = a.projector.Run(runCtx)
	}()
	if err := n.catchUp(ctx, a.store); err != nil {
		return err
	}
	if err := mounts.Reload(); err != nil {
		return err
	}
	a.deps = framework.Deps{Bus: &commands.Bus{Ledger: n.ledger, Projections: a.store}, Store: a.store, Projector: a.projector, Ledger: n.ledger, Log: n.cfg.Log}
	if n.cfg.Dev {
		if err := mount.EnsureDefaultMounts(bootContext(ctx), a.deps); err != nil {
			return fmt.Errorf("node: default mounts: %w", err)
		}
		if err := mounts.Reload(); err != nil {
			return err
		}
	}

	a.leases = leaseeng.NewManager(a.deps, n.cfg.Leases)
	// Revokers are registered before the reaper starts, so no job finds
	// its engine missing.
	a.database = database.New(a.deps, a.leases)
	a.leases.RegisterRevoker(database.EngineName, a.database)
	if err := a.leases.Start(runCtx); err != nil {
		return err
	}
	a.projector.Observe(revokeLeasesOfRevokedTokens(runCtx, a.leases, n.cfg.Log))
	a.projector.Observe(revokeLeasesOfDisabledMounts(runCtx, a.leases, n.cfg.Log))
	a.sinks = audit.NewSinks(a.deps, filepath.Join(n.cfg.DataDir, "audit-cursors"))
	a.projector.Observe(a.sinks.Observer(runCtx))
	if err := a.sinks.Sync(runCtx); err != nil {
		return err
	}

	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		runCheckpointer(runCtx, n.ledger, n)
	}()
	go func() {
		defer a.wg.Done()
		if err := n.ledger.DataKeys().RunEraser(runCtx, n.cfg.Log); err != nil && runCtx.Err() == nil {
			n.cfg.Log.Error("data-key eraser stopped", "err", err)
		}
	}()

	resolver = token.NewResolver(a.deps)
	tokenBackend, err := token.Factory(a.deps, framework.MountInfo{Path: "auth/token/", Type: "token", Accessor: "auth_token"})
	if err != nil {
		return err
	}
	sysBackend := sys.New(a.deps, sys.Options{
		Mounts: mounts, Policies: policies, ResolveToken: resolver.Resolve,
		Seal: n.seal, Version: Version, EngineTypes: engineTypes(),
	})
	gw := gateway.New(gateway.Config{
		Deps:   a.deps,
		Limits: gateway.DefaultLimits,
		Mounts: func(path string) (gateway.Mount, string, bool) {
			m, rel, ok := mounts.Match(path)
			if !ok {
				return gateway.Mount{}, "", false
			}
			return gateway.Mount{Path: m.Path, Type: m.Type, Accessor: m.Accessor, Config: framework.MountConfig{
				DefaultLeaseTTL: m.DefaultLeaseTTL, MaxLeaseTTL: m.MaxLeaseTTL, Options: m.Options,
			}}, rel, true
		},
		ACL:       policies.ACL,
		Tokens:    resolver,
		Factories: boundFactories(a.database),
		Sys:       framework.Merge(sysBackend, a.leases.SysPaths(), a.sinks.SysPaths(), n.seal.unsealedPaths(), a.events.SysPaths(), ledgerPaths(n.ledger)),
		Token:     tokenBackend,
		RootPaths: concat(sys.RootPaths(), token.RootPaths(), leaseeng.RootPaths(), audit.RootPaths(), sealRootPaths(), events.RootPaths(), ledgerRootPaths()),
		Sealed:    n.ledger.Sealed,
		Log:       n.cfg.Log,
	})
	if n.cfg.Dev {
		// The dev root token exists before the full gateway serves: a
		// client that saw sys/health answer 200 may use it at once.
		id := n.cfg.DevRootTokenID
		if n.RootToken != "" {
			id = n.RootToken // unsealed again: the same token
		}
		if n.RootToken, err = token.EnsureRoot(bootContext(ctx), a.deps, id); err != nil {
			return fmt.Errorf("node: root token: %w", err)
		}
	}
	n.active = a
	n.Leases = a.leases
	n.handler.Store(&handlerBox{gw})
	return nil
}

// deactivate stops everything activate started (on seal and on close).
func (n *Node) deactivate() error {
	n.mu.Lock()
	a := n.active
	n.active = nil
	n.mu.Unlock()
	if a == nil {
		return nil
	}
	if n.seal != nil {
		n.handler.Store(&handlerBox{n.seal.sealedGateway()})
	}
	return a.stop()
}

func (a *activeNode) stop() error {
	if a.events != nil {
		a.events.Close()
	}
	if a.cancel != nil {
		a.cancel()
		<-a.done
	}
	a.wg.Wait()
	if a.sinks != nil {
		a.sinks.Wait()
	}
	if a.leases != nil {
		a.leases.Wait()
	}
	if a.database != nil {
		a.database.Close()
	}
	if a.store != nil {
		return a.store.Close()
	}
	return nil
}

// deps returns the unsealed node's dependencies, or false while sealed.
func (n *Node) activeDeps() (framework.Deps, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.active == nil {
		return framework.Deps{}, false
	}
	return n.active.deps, true
}

// catchUp waits until the projections reflect everything stored before
// start (a rebuild when projections/ was missing).
func (n *Node) catchUp(ctx context.Context, store *projections.Store) error {
	last, err := n.ledger.LastSeq(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := store.WaitApplied(ctx, last); err != nil {
		return fmt.Errorf("node: projections catching up to %d: %w", last, err)
	}
	if d := time.Since(start); d > time.Second {
		n.cfg.Log.Info("projections caught up", "seq", last, "took", d.Round(time.Millisecond))
	}
	return nil
}
