package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenRolesThroughVaultClient: roles written and read with the Vault
// client, tokens created against them with the role's policies, orphan,
// period, path suffix and renewability, and the refusals.
func TestTokenRolesThroughVaultClient(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	_, err := root.Logical().Write("auth/token/roles/nomad", map[string]any{
		"allowed_policies": "app,ops", "disallowed_policies": "admin", "orphan": true,
		"token_period": "24h", "path_suffix": "v1", "token_explicit_max_ttl": "48h",
	})
	require.NoError(t, err)
	r, err := root.Logical().Read("auth/token/roles/nomad")
	require.NoError(t, err)
	assert.Equal(t, []any{"app", "ops"}, r.Data["allowed_policies"])
	assert.Equal(t, json.Number("86400"), r.Data["token_period"])
	assert.Equal(t, true, r.Data["orphan"])
	list, err := root.Logical().List("auth/token/roles")
	require.NoError(t, err)
	assert.Equal(t, []any{"nomad"}, list.Data["keys"])

	// A non-root, non-sudo parent may create through the role what it
	// could not create alone: other policies, an orphan, a period.
	require.NoError(t, root.Sys().PutPolicy("creator", `path "auth/token/create/nomad" { capabilities = ["update"] }`))
	parent, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"creator"}})
	require.NoError(t, err)
	creator := client(t, n, parent.Auth.ClientToken)
	tok, err := creator.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{Policies: []string{"app"}}, "nomad")
	require.NoError(t, err)
	assert.Equal(t, []string{"app", "default"}, tok.Auth.Policies)
	assert.True(t, tok.Auth.Orphan)
	assert.Equal(t, 86400, tok.Auth.LeaseDuration)
	self, err := client(t, n, tok.Auth.ClientToken).Auth().Token().LookupSelf()
	require.NoError(t, err)
	assert.Equal(t, "auth/token/create/nomad/v1", self.Data["path"])
	assert.Equal(t, json.Number("86400"), self.Data["period"])
	assert.Equal(t, json.Number("172800"), self.Data["explicit_max_ttl"])

	// No policies asked: the role's allowed ones.
	tok, err = creator.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{}, "nomad")
	require.NoError(t, err)
	assert.Equal(t, []string{"app", "default", "ops"}, tok.Auth.Policies)

	_, err = creator.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{Policies: []string{"admin"}}, "nomad")
	requireRefusal(t, err, http.StatusBadRequest, "")
	_, err = creator.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{Policies: []string{"billing"}}, "nomad")
	requireRefusal(t, err, http.StatusBadRequest, "")
	_, err = root.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{}, "missing")
	requireRefusal(t, err, http.StatusBadRequest, "unknown role missing")

	// A role that makes non-renewable tokens.
	_, err = root.Logical().Write("auth/token/roles/fixed", map[string]any{"renewable": false, "token_ttl": "10m", "allowed_policies": "app"})
	require.NoError(t, err)
	tok, err = root.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{}, "fixed")
	require.NoError(t, err)
	assert.False(t, tok.Auth.Renewable)
	assert.Equal(t, 600, tok.Auth.LeaseDuration)
	_, err = client(t, n, tok.Auth.ClientToken).Auth().Token().RenewSelf(60)
	require.Error(t, err)

	_, err = root.Logical().Delete("auth/token/roles/fixed")
	require.NoError(t, err)
	_, err = root.Auth().Token().CreateWithRole(&vault.TokenCreateRequest{}, "fixed")
	requireRefusal(t, err, http.StatusBadRequest, "unknown role fixed")
}
