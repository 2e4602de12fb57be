package node

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cofferhq/coffer/cluster/election"
	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
	projsnap "github.com/cofferhq/coffer/projections/snapshot"
)

// activeNode is everything that exists only while the node is unsealed:
// the projections and their projector, the core services, the started
// modules and the full gateway. Sealing tears it down; unsealing builds it
// anew.
type activeNode struct {
	store     *projections.Store
	projector *projections.Projector
	deps      framework.Deps
	mounts    *mountstore.Table
	policies  *policystore.Cache
	tokens    *token.Resolver
	leases    *leaseeng.Manager
	modules   []framework.Module
	instances []*framework.Instance
	gateway   atomic.Pointer[gateway.Server]
	elector   *election.Elector
	snapshots *snapshotBucket
	restored  *projsnap.Info // the snapshot the projections started from
	// singletons names the services the elected node runs (ha-status).
	singletons []string

	cancel     context.CancelFunc
	projecting bool           // the projector goroutine was started
	done       chan struct{}  // closed when the projector stopped
	wg         sync.WaitGroup // services and background loops
}

// activate builds the unsealed node on an unsealed ledger, in named
// stages, and switches the served handler to the full gateway.
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
	if err := n.openProjections(ctx, a); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	if err := n.startModules(runCtx, a); err != nil {
		return err
	}
	if err := n.catchUp(ctx, a); err != nil {
		return err
	}
	if err := n.runServices(runCtx, a); err != nil {
		return err
	}
	gw := n.buildGateway(a)
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
	n.handler.Store(&handlerBox{n.metrics.Wrap(gw, a.mounts)})
	return nil
}

// openProjections is the first stage: the pebble store and its projector,
// with every module's read models registered.
func (n *Node) openProjections(ctx context.Context, a *activeNode) (err error) {
	dir := projectionsDir(n.cfg.DataDir)
	if err := n.openSnapshots(ctx, a, dir); err != nil {
		return err
	}
	if a.store, err = projections.Open(dir); err != nil {
		return err
	}
	a.projector = projections.NewProjector(a.store, n.ledger, n.cfg.Log)
	a.modules = n.modules()
	for _, m := range a.modules {
		for _, rm := range m.ReadModels {
			rm.Register(a.projector)
		}
	}
	n.ledger.Writer().SetVersionSource(a.store)
	// In a cluster every node sends its appends to the elected writer
	// (the singletons' node, below); see the ledger package doc.
	n.ledger.SetForwarding(forwardAppends && (n.cfg.Cluster != nil || n.cfg.External != nil))
	a.deps = framework.Deps{Bus: &commands.Bus{Ledger: n.ledger, Projections: a.store}, Store: a.store, Projector: a.projector, Ledger: n.ledger, Log: n.cfg.Log}
	return nil
}

// startModules is the second stage: the core services (routing table,
// policy cache, token store, lease manager) and every module's Start, all
// before the projector runs, so their observers see every message after
// the applied index. The projector starts at the end of the stage.
func (n *Node) startModules(runCtx context.Context, a *activeNode) error {
	a.mounts = mountstore.NewTable(a.store)
	a.policies = policystore.NewCache(a.store)
	a.projector.Observe(a.mounts.Observer())
	a.projector.Observe(a.policies.Observer())
	el, err := election.Open(runCtx, n.ledger.JetStream(), election.Options{NodeID: n.nodeID(), Replicas: n.ledger.Replicas(), Log: n.cfg.Log})
	if err != nil {
		return err
	}
	a.elector = el
	a.tokens = token.NewResolver(a.deps)
	a.leases = leaseeng.NewManager(a.deps, n.cfg.Leases)
	env := &framework.Env{
		Deps: a.deps, Ctx: runCtx, DataDir: n.cfg.DataDir, Now: time.Now,
		Leases: a.leases, Tokens: a.tokens, Mounts: a.mounts, Policies: a.policies, Modules: a.modules,
		Leading: a.leading, LoginRenewers: &framework.LoginRenewers{},
	}
	for _, m := range a.modules {
		inst, err := m.Start(env)
		if err != nil {
			return fmt.Errorf("node: start module %s: %w", m.Type, err)
		}
		if inst == nil {
			inst = &framework.Instance{}
		}
		a.instances = append(a.instances, inst)
		for _, o := range inst.Observers {
			a.projector.Observe(o)
		}
		if inst.Revoker != nil {
			a.leases.RegisterRevoker(m.Type, inst.Revoker)
		}
		if inst.RenewLogin != nil {
			env.LoginRenewers.Register(m.Type, inst.RenewLogin)
		}
	}
	a.projector.Observe(revokeLeasesOfRevokedTokens(runCtx, &a.wg, a.leases, n.cfg.Log))
	a.projector.Observe(revokeWhatDisabledMountsIssued(runCtx, a, n.cfg.Log))
	a.projector.Observe(a.invalidate)
	a.projecting = true
	go func() {
		defer close(a.done)
		_ = a.projector.Run(runCtx)
	}()
	return nil
}

// invalidate tells the live mounts which aggregates a committed message
// changed, and drops the backends of mounts it disabled or tuned.
func (a *activeNode) invalidate(recs []ledger.Record) {
	gw := a.gateway.Load()
	if gw == nil {
		return
	}
	ctx := context.Background()
	for i := range recs {
		r := &recs[i]
		switch r.Type {
		case mountevent.EventDisabled, mountevent.EventTuned:
			var e struct {
				Path string `json:"path"`
			}
			if json.Unmarshal(r.Data, &e) == nil && e.Path != "" {
				gw.DropMount(e.Path)
			}
		}
		if r.Kind != "" {
			gw.Invalidate(ctx, r.Kind, r.Aggregate)
		}
	}
}

// catchUp waits until the projections reflect everything stored before
// start (a rebuild when projections/ was missing), then loads the routing
// table and, in dev mode, mounts secret/.
func (n *Node) catchUp(ctx context.Context, a *activeNode) error {
	last, err := n.ledger.LastSeq(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := a.store.WaitApplied(ctx, last); err != nil {
		return fmt.Errorf("node: projections catching up to %d: %w", last, err)
	}
	if d := time.Since(start); d > time.Second {
		n.cfg.Log.Info("projections caught up", "seq", last, "took", d.Round(time.Millisecond))
	}
	if err := a.mounts.Reload(); err != nil {
		return err
	}
	if n.cfg.Dev {
		if err := mount.EnsureDefaultMounts(bootContext(ctx), a.deps.Bus); err != nil {
			return fmt.Errorf("node: default mounts: %w", err)
		}
		return a.mounts.Reload()
	}
	return nil
}

// runServices is the third stage: the reaper and every module's services
// on read models that are current, and the election that runs the
// singletons (lease scheduler, data-key eraser, singleton services) on
// one node of the cluster.
func (n *Node) runServices(runCtx context.Context, a *activeNode) error {
	if err := a.leases.StartReaper(runCtx); err != nil {
		return err
	}
	var singletons []framework.Service
	singletons = append(singletons,
		framework.Service{Name: "lease scheduler", Run: func(ctx context.Context) error { a.leases.RunScheduler(ctx); return nil }},
		framework.Service{Name: "data-key eraser", Run: func(ctx context.Context) error { return n.ledger.DataKeys().RunEraser(ctx, n.cfg.Log) }},
		framework.Service{Name: "ledger writer", Run: n.ledger.ServeAppends},
	)
	if svc, ok := n.snapshotService(a); ok {
		singletons = append(singletons, svc)
	}
	if svc, ok := n.auditArchiveService(); ok {
		singletons = append(singletons, svc)
	}
	for _, inst := range a.instances {
		for _, svc := range inst.Services {
			if svc.Singleton {
				singletons = append(singletons, svc)
				continue
			}
			n.runService(runCtx, a, svc)
		}
	}
	for _, svc := range singletons {
		a.singletons = append(a.singletons, svc.Name)
	}
	n.runService(runCtx, a, n.membersService(a))
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.elector.Run(runCtx, func(ctx context.Context) {
			var wg sync.WaitGroup
			for _, svc := range singletons {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := svc.Run(ctx); err != nil && ctx.Err() == nil {
						n.cfg.Log.Error("singleton stopped", "service", svc.Name, "err", err)
					}
				}()
			}
			wg.Wait()
		})
	}()
	return nil
}

func (n *Node) runService(ctx context.Context, a *activeNode, svc framework.Service) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := svc.Run(ctx); err != nil && ctx.Err() == nil {
			n.cfg.Log.Error("service stopped", "service", svc.Name, "err", err)
		}
	}()
}

// forwardAppends is off only to measure a cluster whose nodes all append
// themselves (node/cluster_writes_test.go).
var forwardAppends = true

// leading reports whether this node runs the singletons.
func (a *activeNode) leading() bool {
	if a.elector == nil {
		return false
	}
	ok, _ := a.elector.Leading()
	return ok
}

// buildGateway is the last stage: the full gateway, routing sys/ to the
// merged sys services, auth/token/ to the token store and every other
// mount to its module's factory.
func (n *Node) buildGateway(a *activeNode) *gateway.Server {
	var sysParts []*framework.Backend
	factories := map[string]framework.Factory{}
	var builtins []gateway.Builtin
	for i, m := range a.modules {
		inst := a.instances[i]
		if inst.Sys != nil {
			sysParts = append(sysParts, inst.Sys)
		}
		if inst.Factory == nil {
			continue
		}
		if m.Builtin != "" {
			b, err := inst.Factory(framework.MountInfo{Path: m.Builtin, Type: m.Type, Accessor: m.BuiltinAccessor})
			if err != nil {
				n.cfg.Log.Error("builtin mount", "path", m.Builtin, "err", err)
				continue
			}
			builtins = append(builtins, gateway.Builtin{Path: m.Builtin, Type: m.Type, Accessor: m.BuiltinAccessor, Backend: b})
			continue
		}
		factories[m.Type] = inst.Factory
		if m.Type == "kv" {
			factories["kv-v2"] = inst.Factory // mounts made before kv-v2 became kv + version 2
		}
	}
	builtins = append([]gateway.Builtin{{Path: "sys/", Type: "system", Accessor: "system", Backend: framework.Merge(sysParts...)}}, builtins...)
	gw := gateway.New(gateway.Config{
		Deps:   a.deps,
		Limits: gateway.DefaultLimits,
		Mounts: func(path string) (gateway.Mount, string, bool) {
			m, rel, ok := a.mounts.Match(path)
			if !ok {
				return gateway.Mount{}, "", false
			}
			return gateway.Mount{Path: m.Path, Type: m.Type, Accessor: m.Accessor, Config: framework.MountConfig{
				DefaultLeaseTTL: m.DefaultLeaseTTL, MaxLeaseTTL: m.MaxLeaseTTL, Options: m.Options,
			}}, rel, true
		},
		ACL:       a.policies.ACL,
		Tokens:    a.tokens,
		Leases:    a.leases,
		Factories: factories,
		Builtins:  builtins,
		Sealed:    n.ledger.Sealed,
		Log:       n.cfg.Log,
	})
	a.gateway.Store(gw)
	return gw
}

// mountBackend returns the backend serving a mount path on the active
// gateway (sys/internal/specs/openapi documents them).
func (n *Node) mountBackend(mountPath string) (*framework.Backend, bool) {
	n.mu.Lock()
	a := n.active
	n.mu.Unlock()
	if a == nil {
		return nil, false
	}
	gw := a.gateway.Load()
	if gw == nil {
		return nil, false
	}
	return gw.MountBackend(mountPath)
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
		n.handler.Store(&handlerBox{n.sealedGateway()})
	}
	err := a.stop()
	// What the read paths decrypted goes with the keys.
	projections.ForgetOpened()
	return err
}

// drain ends long-lived responses (event streams), so the HTTP server's
// shutdown does not wait for them.
func (a *activeNode) drain() {
	for _, inst := range a.instances {
		if inst.Drain != nil {
			inst.Drain()
		}
	}
}

// stop tears the active node down in reverse: streams end, every mount's
// backend is cleaned (its timers stop while the stores still work), the
// services and the projector stop, the modules release what they hold,
// and the store closes.
func (a *activeNode) stop() error {
	a.drain()
	if gw := a.gateway.Load(); gw != nil {
		gw.Close()
	}
	if a.cancel != nil {
		a.cancel()
	}
	if a.projecting {
		<-a.done
	}
	a.wg.Wait()
	if a.leases != nil {
		a.leases.Wait()
	}
	for _, inst := range slices.Backward(a.instances) {
		if inst.Stop != nil {
			inst.Stop()
		}
	}
	if a.store != nil {
		return a.store.Close()
	}
	return nil
}

// activeDeps returns the unsealed node's dependencies, or false while
// sealed.
func (n *Node) activeDeps() (framework.Deps, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.active == nil {
		return framework.Deps{}, false
	}
	return n.active.deps, true
}
