package e2e_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/node"
)

const rootToken = "root-token"

// startNode runs a dev node with its data in a temp dir; opts adjust its
// config.
func startNode(t testing.TB, opts ...func(*node.Config)) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := node.Config{
		DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: rootToken,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := node.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// client is HashiCorp's client for n with token ("" for none).
func client(t testing.TB, n *node.Node, token string) *vault.Client {
	t.Helper()
	c := testkit.VaultClient(t, n.Addr, token)
	if token == "" {
		c.ClearToken()
	}
	return c
}

// requireRefusal checks err is Vault's answer with status and, when given,
// the message.
func requireRefusal(t testing.TB, err error, status int, msg string) *vault.ResponseError {
	t.Helper()
	var re *vault.ResponseError
	require.True(t, errors.As(err, &re), "want a %d response error, got %v", status, err)
	require.Equal(t, status, re.StatusCode, "errors: %v", re.Errors)
	if msg != "" {
		require.Equal(t, []string{msg}, re.Errors)
	}
	return re
}
