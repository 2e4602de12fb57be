package node

import (
	"context"
	"testing"

	openbao "github.com/openbao/openbao/api/v2"
	"github.com/stretchr/testify/require"
)

// OpenBao's client is a fork of Vault's; a flow through it catches answers
// that only one of the two tolerates.
func TestFlowThroughOpenBaoClient(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	cfg := openbao.DefaultConfig()
	cfg.Address = n.Addr
	cfg.MaxRetries = 0
	c, err := openbao.NewClient(cfg)
	require.NoError(t, err)
	c.SetToken("root-token")
	ctx := context.Background()

	_, err = c.KVv2("secret").Put(ctx, "bao/app", map[string]any{"k": "v"})
	require.NoError(t, err)
	s, err := c.KVv2("secret").Get(ctx, "bao/app")
	require.NoError(t, err)
	require.Equal(t, "v", s.Data["k"])

	require.NoError(t, c.Sys().PutPolicy("bao", `path "secret/data/bao/*" { capabilities = ["read"] }`))
	tok, err := c.Auth().Token().Create(&openbao.TokenCreateRequest{Policies: []string{"bao"}})
	require.NoError(t, err)
	c.SetToken(tok.Auth.ClientToken)
	s, err = c.KVv2("secret").Get(ctx, "bao/app")
	require.NoError(t, err)
	require.Equal(t, "v", s.Data["k"])
	_, err = c.KVv2("secret").Put(ctx, "bao/app", map[string]any{"k": "w"})
	require.Error(t, err)

	health, err := c.Sys().Health()
	require.NoError(t, err)
	require.True(t, health.Initialized)
	require.False(t, health.Sealed)
}
