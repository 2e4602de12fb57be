package token_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// node is a ledger, projections and the token engine over one data dir.
type node struct {
	dir      string
	deps     framework.Deps
	backend  framework.Backend
	router   *framework.Router
	resolver *token.Resolver

	ns     *server.Server
	nc     *nats.Conn
	st     *ledger.Store
	ps     *projections.Store
	cancel context.CancelFunc
	done   chan struct{}
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// startNode opens (or reopens) the data dir and waits until the
// projections have caught up with the ledger.
func startNode(t testing.TB, dir string) *node {
	t.Helper()
	ctx := context.Background()
	n := &node{dir: dir, done: make(chan struct{})}
	var err error
	n.ns, n.nc, err = ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: filepath.Join(dir, "nats")})
	require.NoError(t, err)
	n.st, err = ledger.Open(ctx, n.nc, 1)
	require.NoError(t, err)
	seal, err := ledger.OpenDevSeal(dir)
	require.NoError(t, err)
	initialized, err := n.st.Initialized(ctx)
	require.NoError(t, err)
	if initialized {
		require.NoError(t, n.st.Unseal(ctx, seal))
	} else {
		require.NoError(t, n.st.Init(ctx, seal))
	}
	n.ps, err = projections.Open(filepath.Join(dir, "projections"))
	require.NoError(t, err)
	p := projections.NewProjector(n.ps, n.st, quietLog())
	tokenstore.Register(p)
	n.st.Writer().SetVersionSource(n.ps)
	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() {
		defer close(n.done)
		_ = p.Run(runCtx)
	}()
	last, err := n.st.LastSeq(ctx)
	require.NoError(t, err)
	waitCtx, waitCancel := context.WithTimeout(ctx, 30*time.Second)
	defer waitCancel()
	require.NoError(t, n.ps.WaitApplied(waitCtx, last))

	n.deps = framework.Deps{Bus: &commands.Bus{Ledger: n.st, Projections: n.ps}, Store: n.ps, Projector: p, Ledger: n.st, Log: quietLog()}
	n.backend, err = token.Factory(n.deps, framework.MountInfo{Path: "auth/token/", Type: "token", Accessor: "auth_token"})
	require.NoError(t, err)
	n.router = framework.NewRouter(n.backend)
	n.resolver = token.NewResolver(n.deps)
	t.Cleanup(n.stop)
	return n
}

func (n *node) stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	<-n.done
	n.st.Close()
	_ = n.ps.Close()
	n.nc.Close()
	n.ns.Shutdown()
	n.ns.WaitForShutdown()
	n.cancel = nil
}

// call runs one request against the token engine as caller (a raw token),
// the way the gateway would after authenticating it.
func (n *node) call(t testing.TB, caller string, sudo bool, op framework.Operation, path string, data map[string]any) (*framework.Response, error) {
	t.Helper()
	ctx := commands.WithMeta(context.Background(), commands.Meta{Actor: "test", RequestID: ledger.NewID()})
	req := &framework.Request{
		ID: ledger.NewID(), Operation: op, Path: path, MountPath: "auth/token/", MountType: "token",
		MountAccessor: "auth_token", Data: data, Ctx: ctx, Sudo: sudo,
	}
	if caller != "" {
		auth, err := n.resolver.Resolve(ctx, caller)
		if err != nil {
			return nil, err
		}
		if err := n.resolver.Use(ctx, auth); err != nil {
			return nil, err
		}
		req.Auth = auth
		req.Sudo = sudo || auth.IsRoot
	}
	entry, vars, err := n.router.Match(path)
	if err != nil {
		return nil, err
	}
	req.Vars = vars
	return framework.Handle(entry, req)
}

// create makes a token as caller and returns its raw value.
func (n *node) create(t testing.TB, caller string, data map[string]any) *framework.AuthResponse {
	t.Helper()
	resp, err := n.call(t, caller, false, framework.UpdateOperation, "create", data)
	require.NoError(t, err)
	require.NotNil(t, resp.Auth)
	return resp.Auth
}

func (n *node) resolves(raw string) bool {
	_, err := n.resolver.Resolve(context.Background(), raw)
	return err == nil
}

// checkFor polls fn every interval until it returns nil or total elapses.
func checkFor(t testing.TB, total, interval time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for time.Now().Before(deadline) {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(interval)
	}
	t.Fatalf("condition not met after %v: %v", total, err)
}
