package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func enableAppRole(t *testing.T, root *vault.Client) {
	t.Helper()
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &vault.EnableAuthOptions{Type: "approle"}))
}

func TestAppRoleLoginThroughVaultClient(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	enableAppRole(t, root)
	require.NoError(t, root.Sys().PutPolicy("app", `path "secret/data/app" { capabilities = ["read"] }`))
	_, err := root.KVv2("secret").Put(context.Background(), "app", map[string]any{"k": "v"})
	require.NoError(t, err)

	_, err = root.Logical().Write("auth/approle/role/App", map[string]any{
		"token_policies": "app", "token_ttl": "1h", "token_max_ttl": "2h", "secret_id_ttl": "10m",
	})
	require.NoError(t, err)
	role, err := root.Logical().Read("auth/approle/role/app")
	require.NoError(t, err)
	assert.Equal(t, []any{"app"}, role.Data["token_policies"])
	assert.Equal(t, json.Number("3600"), role.Data["token_ttl"])
	assert.Equal(t, json.Number("600"), role.Data["secret_id_ttl"])
	assert.Equal(t, true, role.Data["bind_secret_id"])
	assert.NotContains(t, role.Data, "hmac_key")
	list, err := root.Logical().List("auth/approle/role")
	require.NoError(t, err)
	assert.Equal(t, []any{"app"}, list.Data["keys"])

	rid, err := root.Logical().Read("auth/approle/role/app/role-id")
	require.NoError(t, err)
	roleID := rid.Data["role_id"].(string)
	sid, err := root.Logical().Write("auth/approle/role/app/secret-id", map[string]any{"metadata": `{"team":"payments"}`})
	require.NoError(t, err)
	secretID := sid.Data["secret_id"].(string)
	accessor := sid.Data["secret_id_accessor"].(string)
	assert.Equal(t, json.Number("600"), sid.Data["secret_id_ttl"])

	anon := client(t, n, "")
	login, err := anon.Logical().Write("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": secretID})
	require.NoError(t, err)
	require.NotNil(t, login.Auth)
	assert.Equal(t, []string{"app", "default"}, login.Auth.Policies)
	assert.Equal(t, 3600, login.Auth.LeaseDuration)
	assert.True(t, login.Auth.Renewable)
	assert.Equal(t, map[string]string{"role_name": "app", "team": "payments"}, login.Auth.Metadata)
	user := client(t, n, login.Auth.ClientToken)
	got, err := user.KVv2("secret").Get(context.Background(), "app")
	require.NoError(t, err)
	assert.Equal(t, "v", got.Data["k"])
	self, err := user.Auth().Token().LookupSelf()
	require.NoError(t, err)
	assert.Equal(t, "auth/approle/login", self.Data["path"])

	// Accessors: list, lookup, destroy.
	accs, err := root.Logical().List("auth/approle/role/app/secret-id")
	require.NoError(t, err)
	assert.Equal(t, []any{accessor}, accs.Data["keys"])
	look, err := root.Logical().Write("auth/approle/role/app/secret-id-accessor/lookup", map[string]any{"secret_id_accessor": accessor})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"team": "payments"}, look.Data["metadata"])
	look, err = root.Logical().Write("auth/approle/role/app/secret-id/lookup", map[string]any{"secret_id": secretID})
	require.NoError(t, err)
	assert.Equal(t, accessor, look.Data["secret_id_accessor"])
	_, err = root.Logical().Write("auth/approle/role/app/secret-id-accessor/destroy", map[string]any{"secret_id_accessor": accessor})
	require.NoError(t, err)
	_, err = anon.Logical().Write("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": secretID})
	requireRefusal(t, err, http.StatusBadRequest, "invalid role or secret ID")

	// A custom secret ID, destroyed by value.
	_, err = root.Logical().Write("auth/approle/role/app/custom-secret-id", map[string]any{"secret_id": "my-own-secret"})
	require.NoError(t, err)
	_, err = root.Logical().Write("auth/approle/role/app/custom-secret-id", map[string]any{"secret_id": "my-own-secret"})
	requireRefusal(t, err, http.StatusBadRequest, "SecretID is already registered")
	_, err = anon.Logical().Write("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": "my-own-secret"})
	require.NoError(t, err)
	_, err = root.Logical().Write("auth/approle/role/app/secret-id/destroy", map[string]any{"secret_id": "my-own-secret"})
	require.NoError(t, err)
	_, err = anon.Logical().Write("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": "my-own-secret"})
	requireRefusal(t, err, http.StatusBadRequest, "invalid role or secret ID")

	// A custom role_id, and another role may not take it.
	_, err = root.Logical().Write("auth/approle/role/app/role-id", map[string]any{"role_id": "app-role-id"})
	require.NoError(t, err)
	_, err = root.Logical().Write("auth/approle/role/other", map[string]any{"role_id": "app-role-id"})
	requireRefusal(t, err, http.StatusBadRequest, "role_id already in use")

	// Deleting the role takes its secret IDs with it.
	sid, err = root.Logical().Write("auth/approle/role/app/secret-id", nil)
	require.NoError(t, err)
	_, err = root.Logical().Delete("auth/approle/role/app")
	require.NoError(t, err)
	_, err = anon.Logical().Write("auth/approle/login", map[string]any{"role_id": "app-role-id", "secret_id": sid.Data["secret_id"]})
	requireRefusal(t, err, http.StatusBadRequest, "invalid role or secret ID")
	r, err := root.Logical().Read("auth/approle/role/app")
	require.NoError(t, err)
	assert.Nil(t, r)
}

// TestAppRoleSecretIDUsesCountedOnce: eight logins race for a secret ID
// with one use; exactly one wins.
func TestAppRoleSecretIDUsesCountedOnce(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	enableAppRole(t, root)
	_, err := root.Logical().Write("auth/approle/role/once", map[string]any{"secret_id_num_uses": 1})
	require.NoError(t, err)
	rid, err := root.Logical().Read("auth/approle/role/once/role-id")
	require.NoError(t, err)
	sid, err := root.Logical().Write("auth/approle/role/once/secret-id", nil)
	require.NoError(t, err)
	assert.Equal(t, json.Number("1"), sid.Data["secret_id_num_uses"])
	body := map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]}

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, refused := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client(t, n, "").Logical().Write("auth/approle/login", body)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else {
				requireRefusal(t, err, http.StatusBadRequest, "invalid role or secret ID")
				refused++
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
	assert.Equal(t, 7, refused)
	accs, err := root.Logical().List("auth/approle/role/once/secret-id")
	require.NoError(t, err)
	assert.Nil(t, accs, "the exhausted secret ID is gone")
}
