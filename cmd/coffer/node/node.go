package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/framework"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// Version is reported by sys/health and sys/seal-status.
var Version = "0.1.0"

// Config describes one node.
type Config struct {
	// DataDir holds nats/ and projections/.
	DataDir string
	// ListenAddr is the HTTP address ("127.0.0.1:8200"; port 0 picks one).
	ListenAddr string
	// Dev auto-unseals with a key file in DataDir and mounts secret/.
	Dev bool
	// DevRootTokenID fixes the dev root token (random when empty).
	DevRootTokenID string
	// Leases tunes the lease scheduler and reaper (tests shorten them).
	Leases leaseeng.Options
	Log    *slog.Logger
}

// Node is a running server.
type Node struct {
	Addr      string
	RootToken string
	DataDir   string
	Leases    *leaseeng.Manager

	cfg       Config
	ns        *server.Server
	nc        *nats.Conn
	ledger    *ledger.Store
	store     *projections.Store
	projector *projections.Projector
	http      *http.Server
	listener  net.Listener
	sinks     *audit.Sinks
	closeOnce sync.Once
	closeErr  error
	cancel    context.CancelFunc
	done      chan struct{}
}

// Start brings a node up and serves HTTP until Close.
func Start(ctx context.Context, cfg Config) (n *Node, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.DataDir == "" {
		return nil, errors.New("node: no data dir")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("node: data dir: %w", err)
	}
	n = &Node{cfg: cfg, DataDir: cfg.DataDir, done: make(chan struct{})}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if n.ns, n.nc, err = ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: filepath.Join(cfg.DataDir, "nats")}); err != nil {
		return nil, err
	}
	if n.ledger, err = ledger.Open(ctx, n.nc, 1); err != nil {
		return nil, err
	}
	if !cfg.Dev {
		return nil, errors.New("node: only -dev mode is implemented (sealed start with Shamir/KMS is issue 3)")
	}
	if err := n.unsealDev(ctx); err != nil {
		return nil, err
	}
	if n.store, err = projections.Open(filepath.Join(cfg.DataDir, "projections")); err != nil {
		return nil, err
	}
	n.projector = projections.NewProjector(n.store, n.ledger, cfg.Log)
	for _, register := range readModels {
		register(n.projector)
	}
	n.ledger.Writer().SetVersionSource(n.store)
	mounts := mountstore.NewTable(n.store)
	policies := policystore.NewCache(n.store)
	n.projector.Observe(mounts.Observer())
	n.projector.Observe(policies.Observer())

	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() {
		defer close(n.done)
		_ = n.projector.Run(runCtx)
	}()
	if err := n.catchUp(ctx); err != nil {
		return nil, err
	}
	if err := mounts.Reload(); err != nil {
		return nil, err
	}

	deps := framework.Deps{Bus: &commands.Bus{Ledger: n.ledger, Projections: n.store}, Store: n.store, Projector: n.projector, Ledger: n.ledger, Log: cfg.Log}
	bootCtx := commands.WithMeta(ctx, commands.Meta{Actor: "system", RequestID: "boot"})
	if err := mount.EnsureDefaultMounts(bootCtx, deps); err != nil {
		return nil, fmt.Errorf("node: default mounts: %w", err)
	}
	if n.RootToken, err = token.EnsureRoot(bootCtx, deps, cfg.DevRootTokenID); err != nil {
		return nil, fmt.Errorf("node: root token: %w", err)
	}
	if err := mounts.Reload(); err != nil {
		return nil, err
	}

	leases := leaseeng.NewManager(deps, cfg.Leases)
	if err := leases.Start(runCtx); err != nil {
		return nil, err
	}
	n.projector.Observe(revokeLeasesOfRevokedTokens(runCtx, leases, cfg.Log))
	n.Leases = leases
	sinks := audit.NewSinks(deps, filepath.Join(cfg.DataDir, "audit-cursors"))
	n.sinks = sinks
	n.projector.Observe(sinks.Observer(runCtx))
	if err := sinks.Sync(runCtx); err != nil {
		return nil, err
	}

	resolver := token.NewResolver(deps)
	tokenBackend, err := token.Factory(deps, framework.MountInfo{Path: "auth/token/", Type: "token", Accessor: "auth_token"})
	if err != nil {
		return nil, err
	}
	sysBackend := sys.New(deps, sys.Options{
		Mounts: mounts, Policies: policies, ResolveToken: resolver.Resolve,
		Seal: devSealState{n.ledger}, Version: Version, EngineTypes: engineTypes(),
	})
	gw := gateway.New(gateway.Config{
		Deps:   deps,
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
		Factories: factories,
		Sys:       framework.Merge(sysBackend, leases.SysPaths(), sinks.SysPaths()),
		Token:     tokenBackend,
		RootPaths: concat(sys.RootPaths(), token.RootPaths(), leaseeng.RootPaths(), audit.RootPaths()),
		Sealed:    n.ledger.Sealed,
		Log:       cfg.Log,
	})
	return n, n.serve(gw)
}

func (n *Node) unsealDev(ctx context.Context) error {
	seal, err := ledger.OpenDevSeal(n.cfg.DataDir)
	if err != nil {
		return err
	}
	ok, err := n.ledger.Initialized(ctx)
	if err != nil {
		return err
	}
	if ok {
		return n.ledger.Unseal(ctx, seal)
	}
	return n.ledger.Init(ctx, seal)
}

// catchUp waits until the projections reflect everything stored before
// start (a rebuild when projections/ was missing).
func (n *Node) catchUp(ctx context.Context) error {
	last, err := n.ledger.LastSeq(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := n.store.WaitApplied(ctx, last); err != nil {
		return fmt.Errorf("node: projections catching up to %d: %w", last, err)
	}
	if d := time.Since(start); d > time.Second {
		n.cfg.Log.Info("projections caught up", "seq", last, "took", d.Round(time.Millisecond))
	}
	return nil
}

func (n *Node) serve(h http.Handler) error {
	l, err := net.Listen("tcp", n.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("node: listen: %w", err)
	}
	n.listener = l
	n.Addr = "http://" + l.Addr().String()
	n.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := n.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.cfg.Log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// Close stops HTTP, the projector, the ledger and NATS, in that order. It
// may be called more than once.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *Node) close() error {
	if n.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = n.http.Shutdown(ctx)
		cancel()
	}
	if n.cancel != nil {
		n.cancel()
		<-n.done
	}
	if n.sinks != nil {
		n.sinks.Wait()
	}
	if n.ledger != nil {
		n.ledger.Close()
	}
	var err error
	if n.store != nil {
		err = n.store.Close()
	}
	if n.nc != nil {
		n.nc.Close()
	}
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
	return err
}

// devSealState reports dev mode's seal: initialised and unsealed, 1 of 1.
type devSealState struct{ l *ledger.Store }

func (d devSealState) Sealed() bool          { return d.l.Sealed() }
func (d devSealState) Initialized() bool     { return true }
func (d devSealState) SealType() string      { return "shamir" }
func (d devSealState) Threshold() (int, int) { return 1, 1 }

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
