package node

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/cofferhq/coffer/cluster/backup"
	"github.com/cofferhq/coffer/cluster/quorum"
	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/events"
	"github.com/cofferhq/coffer/engines/framework"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/engines/metrics"
	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/ui"
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
	// CheckpointInterval is how often the transparency checkpointer signs
	// a checkpoint at most (default 5s).
	CheckpointInterval time.Duration
	// Seal chooses how a non-dev node unseals: Shamir shares (default) or
	// AWS KMS.
	Seal sys.SealConfig
	// TLS, when set, serves HTTPS (TLS 1.2 minimum is the caller's job).
	TLS *tls.Config
	// ExtraModules are served besides the node's own (tests add an auth
	// method this way).
	ExtraModules []framework.Module
	// UI serves the web UI at /ui/ (package ui: static files; the app
	// uses the public API with the user's token).
	UI bool
	// Audit is the server config's audit devices and whether the API may
	// enable them (off by default, as in Vault 1.20.1).
	Audit audit.Config
	// Telemetry configures sys/metrics (`coffer server -dev` serves it
	// without a token, as Vault's dev mode does).
	Telemetry metrics.Config
	// Cluster, when set, makes the embedded NATS server a member of a
	// NATS cluster with the other nodes, and the ledger stream R3.
	Cluster *Cluster
	// Snapshots configures projection snapshots (defaults: see package
	// projections/snapshot).
	Snapshots Snapshots
	// AuditRetention, AuditArchiveDir (a directory or s3://bucket/prefix)
	// and AuditArchiveS3: see audit_archive.go.
	AuditRetention  time.Duration
	AuditArchiveDir string
	AuditArchiveS3  archive.S3Options
	// External, when set, puts the ledger on an existing JetStream
	// cluster instead of the embedded server; DataDir then holds only
	// projections.
	External *External
	Log      *slog.Logger
}

// Cluster is a node's place in a cluster of embedded servers.
type Cluster struct {
	// NodeID names the node (its NATS server name); unique in the cluster.
	NodeID string
	// Addr is host:port the node's NATS routes listen on (cluster_addr).
	Addr string
	// Peers are the other nodes' route addresses (host:port).
	Peers []string
	// Replicas of the ledger stream (3 when 0).
	Replicas int
	// FormWait bounds how long Start waits for the cluster to form (a
	// JetStream meta leader and enough peers); 2 minutes when 0.
	FormWait time.Duration
	// TLS, when set, makes the routes mutual TLS (ledger.EmbeddedConfig's
	// RouteTLS).
	TLS *tls.Config
	// Secret, when set, is the cluster's pre-shared secret the routes
	// authenticate each other with (ledger.EmbeddedConfig's RouteSecret).
	Secret []byte
}

// External is an existing JetStream cluster.
type External struct {
	// NodeID names the node among those sharing the cluster.
	NodeID string
	Conn   ledger.ExternalConfig
	// Replicas of the ledger stream (3 when 0).
	Replicas int
	// FormWait as in Cluster.
	FormWait time.Duration
}

const (
	defaultReplicas = 3
	defaultFormWait = 2 * time.Minute
)

// Node is a running server.
type Node struct {
	Addr      string
	RootToken string
	DataDir   string
	Leases    *leaseeng.Manager

	cfg      Config
	ns       *server.Server
	nc       *nats.Conn
	ledger   *ledger.Store
	http     *http.Server
	listener net.Listener
	handler  atomic.Pointer[handlerBox]
	restore  *backup.RestoreHandler
	seal     *sys.Sealer
	metrics  *metrics.Registry
	// auditArchive holds the audit records that aged out of the ledger
	// (nil without an audit retention).
	auditArchive archive.Store
	// quorum watches the ledger stream's quorum (nil on one replica).
	quorum     *quorum.Monitor
	stopQuorum func()

	// mu guards active: the parts that exist only while unsealed.
	mu     sync.Mutex
	active *activeNode

	closeOnce sync.Once
	closeErr  error
}

// Start brings a node up and serves HTTP until Close. A dev node is
// unsealed (and initialised) before Start returns; any other node starts
// sealed and serves only the seal endpoints until it is initialised and
// unsealed (sys/init, sys/unseal, or the KMS seal on its own).
func Start(ctx context.Context, cfg Config) (n *Node, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	// The last log lines are kept for sys/debug/logs (coffer debug).
	cfg.Telemetry.Logs = metrics.NewLogRing(cfg.Log.Handler(), 0)
	cfg.Log = slog.New(cfg.Telemetry.Logs)
	if cfg.DataDir == "" {
		return nil, errors.New("node: no data dir")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("node: data dir: %w", err)
	}
	started := &Node{cfg: cfg, DataDir: cfg.DataDir}
	n = started
	defer func() {
		if err != nil {
			started.Close() // n is nil by now
		}
	}()
	if err := n.openLedger(ctx); err != nil {
		return nil, err
	}
	n.startQuorumMonitor()
	n.metrics = metrics.NewRegistry(cfg.Telemetry, n.ledger)
	n.metrics.CountFunc("coffer_events_subscribers_dropped_total",
		"Event subscribers dropped for falling behind (they resume from their cursor).",
		func() float64 { return float64(events.DroppedSubscribers()) })
	n.metrics.CountFunc("coffer_audit_sink_lost_messages_total",
		"Ledger indexes audit devices passed over: aged out of the ledger before the device wrote them and not in the audit archive.",
		func() float64 { return float64(audit.LostMessages()) })
	n.seal, err = sys.NewSealer(ctx, sys.SealerOptions{
		Ledger: n.ledger, Seal: cfg.Seal, Dev: cfg.Dev, Version: Version, Log: cfg.Log,
		Hooks: sys.NodeHooks{Activate: n.activate, Deactivate: n.deactivate, Active: n.isActive, RootToken: n.newRootToken},
	})
	if err != nil {
		return nil, err
	}
	n.handler.Store(&handlerBox{n.sealedGateway()})
	n.restore = &backup.RestoreHandler{NC: n.nc, Replicas: n.ledger.Replicas(), Log: cfg.Log, Restored: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.seal.Refresh(ctx); err != nil {
			cfg.Log.Error("reading the restored seal record", "err", err)
		}
	}}
	if err := n.serve(); err != nil {
		return nil, err
	}
	if cfg.Dev {
		if err := n.unsealDev(ctx); err != nil {
			return nil, err
		}
		if err := n.seal.Refresh(ctx); err != nil {
			return nil, err
		}
		// activate makes the dev root token (n.RootToken) before it serves.
		if err := n.activate(ctx); err != nil {
			return nil, err
		}
		return n, nil
	}
	n.seal.StartAutoUnseal()
	return n, nil
}

// openLedger starts the embedded NATS server (alone or as a cluster
// member) or connects to the external cluster, and opens the ledger.
func (n *Node) openLedger(ctx context.Context) (err error) {
	cfg := n.cfg
	opts := ledger.OpenOptions{Replicas: 1}
	if e := cfg.External; e != nil {
		if n.nc, err = ledger.ConnectExternal(e.Conn); err != nil {
			return err
		}
		opts = ledger.OpenOptions{Replicas: cmp.Or(e.Replicas, defaultReplicas), External: true, FormWait: cmp.Or(e.FormWait, defaultFormWait)}
	} else {
		ec := ledger.EmbeddedConfig{StoreDir: filepath.Join(cfg.DataDir, "nats")}
		if c := cfg.Cluster; c != nil {
			ec.ServerName, ec.ClusterAddr, ec.Routes, ec.RouteTLS, ec.RouteSecret = c.NodeID, c.Addr, c.Peers, c.TLS, c.Secret
			opts = ledger.OpenOptions{Replicas: cmp.Or(c.Replicas, defaultReplicas), FormWait: cmp.Or(c.FormWait, defaultFormWait)}
			cfg.Log.Info("joining the cluster", "node_id", c.NodeID, "cluster_addr", c.Addr, "peers", c.Peers, "replicas", opts.Replicas,
				"route_tls", c.TLS != nil, "route_secret", len(c.Secret) > 0)
		}
		if n.ns, n.nc, err = ledger.StartEmbedded(ec); err != nil {
			return err
		}
	}
	opts.AuditRetention = cfg.AuditRetention
	if n.ledger, err = ledger.OpenWithOptions(ctx, n.nc, opts); err != nil {
		return err
	}
	if cfg.AuditRetention > 0 {
		// Replays and audit devices read what aged out from the archive.
		if n.auditArchive, err = archive.Open(ctx, n.AuditArchiveDir(), cfg.AuditArchiveS3); err != nil {
			return err
		}
		n.ledger.SetArchive(archive.NewReader(n.auditArchive))
	}
	return nil
}

func bootContext(ctx context.Context) context.Context {
	return commands.WithMeta(ctx, commands.Meta{Actor: "system", RequestID: "boot"})
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

// handlerBox lets the served handler be swapped atomically between the
// sealed gateway and the full one.
type handlerBox struct{ h http.Handler }

// ServeHTTP delegates to the current gateway.
func (n *Node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n.cfg.UI && ui.Served(r.URL.Path) {
		ui.Handler().ServeHTTP(w, r)
		return
	}
	if n.refuseWithoutQuorum(w, r) {
		return
	}
	if backup.IsRestore(r) {
		// A backup is streamed, past the gateway's body cap; it is taken
		// only by a deployment that holds nothing (cluster/backup).
		n.restore.ServeHTTP(w, r)
		return
	}
	n.handler.Load().h.ServeHTTP(w, r)
}

func (n *Node) serve() error {
	l, err := net.Listen("tcp", n.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("node: listen: %w", err)
	}
	scheme := "http"
	if n.cfg.TLS != nil {
		l = tls.NewListener(l, n.cfg.TLS)
		scheme = "https"
	}
	n.listener = l
	n.Addr = scheme + "://" + l.Addr().String()
	n.http = &http.Server{Handler: n, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(n.cfg.Log.Handler(), slog.LevelWarn)}
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
	if n.seal != nil {
		n.seal.Stop()
	}
	err := n.deactivate()
	if n.stopQuorum != nil {
		n.stopQuorum()
	}
	if n.ledger != nil {
		n.ledger.Close()
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

func (n *Node) isActive() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.active != nil
}

// newRootToken makes the root token of a node just initialised.
func (n *Node) newRootToken(ctx context.Context) (string, error) {
	deps, ok := n.activeDeps()
	if !ok {
		return "", ledger.ErrSealed
	}
	return token.EnsureRoot(bootContext(ctx), deps, "")
}

// sealedGateway serves a sealed node: health, seal status, init and
// unseal; everything else answers 503.
func (n *Node) sealedGateway() http.Handler {
	return n.metrics.Wrap(gateway.New(gateway.Config{
		Deps:     framework.Deps{Ledger: n.ledger, Log: n.cfg.Log},
		Limits:   gateway.DefaultLimits,
		ACL:      func([]string) (*acl.ACL, error) { return acl.New(), nil },
		Tokens:   sealedTokens{},
		Builtins: []gateway.Builtin{{Path: "sys/", Type: "system", Accessor: "system", Backend: n.seal.SealedPaths()}},
		Sealed:   func() bool { return true },
		Log:      n.cfg.Log,
	}), nil)
}

// sealedTokens refuses every token: nothing can be authenticated while
// the keys are gone.
type sealedTokens struct{}

func (sealedTokens) Resolve(context.Context, string) (*framework.Caller, error) {
	return nil, framework.ErrPermissionDenied
}
func (sealedTokens) Use(context.Context, *framework.Caller) error { return nil }
func (sealedTokens) Login(context.Context, *framework.Request, *framework.Auth) (*framework.Auth, error) {
	return nil, framework.ErrPermissionDenied
}

// nodeID names the node in the cluster ("coffer" on a single node).
func (n *Node) nodeID() string {
	if c := n.cfg.Cluster; c != nil && c.NodeID != "" {
		return c.NodeID
	}
	if e := n.cfg.External; e != nil && e.NodeID != "" {
		return e.NodeID
	}
	return "coffer"
}
