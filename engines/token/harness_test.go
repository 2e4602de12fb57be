package token_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// node is a ledger, projections and the token engine over one data dir.
type node struct {
	dir      string
	env      *ledgertest.Env
	deps     framework.Deps
	backend  *framework.Backend
	resolver *token.Resolver
}

// startNode opens (or reopens) the data dir and waits until the
// projections have caught up with the ledger.
func startNode(t testing.TB, dir string) *node {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Dir: dir, Register: []func(*projections.Projector){tokenstore.Register}, Log: testkit.Log()})
	n := &node{dir: dir, env: env, deps: env.Deps}
	n.backend = token.New(n.deps, framework.MountInfo{Path: "auth/token/", Type: "token", Accessor: "auth_token"}, token.Logins{})
	n.resolver = token.NewResolver(n.deps)
	return n
}

func (n *node) stop() { n.env.Stop() }

// call runs one request against the token engine as caller (a raw token),
// the way the gateway would after authenticating it.
func (n *node) call(t testing.TB, caller string, sudo bool, op framework.Operation, path string, data map[string]any) (*framework.Response, error) {
	t.Helper()
	m := &testkit.Mount{Backend: n.backend, Path: "auth/token/", Type: "token", Accessor: "auth_token", Sudo: sudo}
	if caller != "" {
		ctx := context.Background()
		auth, err := n.resolver.Resolve(ctx, caller)
		if err != nil {
			return nil, err
		}
		if err := n.resolver.Use(ctx, auth); err != nil {
			return nil, err
		}
		m.Auth, m.Sudo = auth, sudo || auth.IsRoot
	}
	return m.Call(t, op, path, data)
}

// create makes a token as caller and returns its auth block.
func (n *node) create(t testing.TB, caller string, data map[string]any) *framework.Auth {
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
