package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatchTokens: batch tokens from token create and from a login are
// not stored, work for requests, are neither renewable nor limited, and
// die with their parent.
func TestBatchTokens(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	ctx := context.Background()
	require.NoError(t, root.Sys().PutPolicy("reader", `path "secret/data/app" { capabilities = ["read"] }`))
	require.NoError(t, root.Sys().PutPolicy("creator", `path "auth/token/create" { capabilities = ["update"] }`))
	_, err := root.KVv2("secret").Put(ctx, "app", map[string]any{"k": "v"})
	require.NoError(t, err)

	parent, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"reader", "creator"}, TTL: "1h"})
	require.NoError(t, err)
	pc := client(t, n, parent.Auth.ClientToken)
	b, err := pc.Auth().Token().Create(&vault.TokenCreateRequest{Type: "batch", TTL: "10m"})
	require.NoError(t, err)
	tok := b.Auth.ClientToken
	assert.True(t, strings.HasPrefix(tok, "hvb."), tok)
	assert.False(t, b.Auth.Renewable)
	assert.Equal(t, 600, b.Auth.LeaseDuration)

	bc := client(t, n, tok)
	got, err := bc.KVv2("secret").Get(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, "v", got.Data["k"])
	self, err := bc.Auth().Token().LookupSelf()
	require.NoError(t, err)
	assert.Equal(t, "batch", self.Data["type"])
	_, err = bc.Auth().Token().RenewSelf(60)
	require.Error(t, err, "batch tokens are not renewable")

	_, err = pc.Auth().Token().Create(&vault.TokenCreateRequest{Type: "batch", NumUses: 3})
	requireRefusal(t, err, http.StatusBadRequest, "")
	_, err = root.Auth().Token().Create(&vault.TokenCreateRequest{Type: "batch", Policies: []string{"root"}})
	requireRefusal(t, err, http.StatusBadRequest, "")

	// A tampered batch token opens to nothing.
	bad := tok[:len(tok)-4] + "AAAA"
	_, err = client(t, n, bad).KVv2("secret").Get(ctx, "app")
	requireRefusal(t, err, http.StatusForbidden, "")

	// Revoking the parent kills the batch token.
	require.NoError(t, root.Auth().Token().RevokeTree(parent.Auth.ClientToken))
	_, err = bc.KVv2("secret").Get(ctx, "app")
	requireRefusal(t, err, http.StatusForbidden, "")

	// A login whose user asks for batch tokens gets one.
	require.NoError(t, root.Sys().EnableAuthWithOptions("userpass", &vault.EnableAuthOptions{Type: "userpass"}))
	_, err = root.Logical().Write("auth/userpass/users/ci", map[string]any{"password": "pw", "token_policies": "reader", "token_type": "batch"})
	require.NoError(t, err)
	login, err := client(t, n, "").Logical().Write("auth/userpass/login/ci", map[string]any{"password": "pw"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(login.Auth.ClientToken, "hvb."), login.Auth.ClientToken)
	got, err = client(t, n, login.Auth.ClientToken).KVv2("secret").Get(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, "v", got.Data["k"])
}
