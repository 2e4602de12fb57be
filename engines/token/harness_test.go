package token_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// node is a ledger, projections and the token engine over one data dir.
type node struct {
	dir      string
	env      *ledgertest.Env
	deps     framework.Deps
	backend  framework.Backend
	router   *framework.Router
	resolver *token.Resolver
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
	env := ledgertest.Start(t, ledgertest.Options{Dir: dir, Register: []func(*projections.Projector){tokenstore.Register}, Log: quietLog()})
	n := &node{dir: dir, env: env, deps: env.Deps}
	var err error
	n.backend, err = token.Factory(n.deps, framework.MountInfo{Path: "auth/token/", Type: "token", Accessor: "auth_token"})
	require.NoError(t, err)
	n.router = framework.NewRouter(n.backend)
	n.resolver = token.NewResolver(n.deps)
	return n
}

func (n *node) stop() { n.env.Stop() }

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
	ledgertest.Eventually(t, total, interval, fn)
}
