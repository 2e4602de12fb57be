package cubbyhole_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/cubbyhole"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/node"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

const rootToken = "root-token"

func init() { cubbyhole.SweepInterval = 200 * time.Millisecond }

type harness struct {
	n   *node.Node
	env atomic.Pointer[framework.Env]
}

// start runs a dev node; a spy module keeps the node's Env so tests can
// look at the read models directly.
func start(t *testing.T) *harness {
	t.Helper()
	h := &harness{}
	spy := framework.Module{Type: "test-spy", Kind: framework.SysService, Start: func(env *framework.Env) (*framework.Instance, error) {
		h.env.Store(env)
		return &framework.Instance{}, nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{
		DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: rootToken,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ExtraModules: []framework.Module{spy},
		// The wrapping tests enable a file device through the API, as
		// unsafe_allow_api_audit_creation = true lets an operator.
		Audit: audit.Config{AllowAPI: true},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	h.n = n
	return h
}

func (h *harness) client(t *testing.T, token string) *vault.Client {
	c := testkit.VaultClient(t, h.n.Addr, token)
	if token == "" {
		c.ClearToken()
	}
	return c
}

// wrapping is a client that asks for every response to be wrapped.
func (h *harness) wrapping(t *testing.T, token, ttl string) *vault.Client {
	c := h.client(t, token)
	c.SetWrappingLookupFunc(func(string, string) string { return ttl })
	return c
}

// hasCubbyhole reports whether the read model still holds a cubbyhole for
// the raw token.
func (h *harness) hasCubbyhole(t *testing.T, raw string) bool {
	env := h.env.Load()
	hash := tokenstore.Hash(env.Ledger.Barrier(), raw)
	found := false
	require.NoError(t, cubbyholestore.Cubbyholes(env.Store, func(token, _ string) bool {
		found = found || token == hash
		return true
	}))
	return found
}

// storeHolds reports whether any pebble key or value contains needle.
func (h *harness) storeHolds(t *testing.T, needle string) bool {
	found := false
	require.NoError(t, h.env.Load().Store.Scan(nil, func(k, v []byte) bool {
		found = found || bytes.Contains(k, []byte(needle)) || bytes.Contains(v, []byte(needle))
		return !found
	}))
	return found
}

func requireRefusal(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var re *vault.ResponseError
	require.True(t, errors.As(err, &re), "want a %d response error, got %v", status, err)
	require.Equal(t, status, re.StatusCode, "errors: %v", re.Errors)
	if msg != "" {
		require.Equal(t, []string{msg}, re.Errors)
	}
}
