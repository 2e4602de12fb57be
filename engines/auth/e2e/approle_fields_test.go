package e2e_test

import (
	"encoding/json"
	"net/http"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppRolePerFieldEndpoints: Vault's role/<name>/<field> endpoints read,
// update (with the role write's rules) and reset one field each.
func TestAppRolePerFieldEndpoints(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &vault.EnableAuthOptions{Type: "approle"}))
	_, err := root.Logical().Write("auth/approle/role/app", map[string]any{"token_policies": "a,b", "secret_id_ttl": "10m"})
	require.NoError(t, err)
	read := func(field string) map[string]any {
		t.Helper()
		s, err := root.Logical().Read("auth/approle/role/app/" + field)
		require.NoError(t, err)
		require.NotNil(t, s, field)
		return s.Data
	}
	num := func(v any) int64 {
		t.Helper()
		i, err := v.(json.Number).Int64()
		require.NoError(t, err)
		return i
	}

	p := read("policies")
	assert.Equal(t, []any{"a", "b"}, p["token_policies"])
	assert.Equal(t, []any{"a", "b"}, p["policies"])
	assert.EqualValues(t, 600, num(read("secret-id-ttl")["secret_id_ttl"]))

	for _, w := range []struct {
		field string
		data  map[string]any
		key   string
		want  any
	}{
		{"secret-id-ttl", map[string]any{"secret_id_ttl": "1h"}, "secret_id_ttl", int64(3600)},
		{"token-ttl", map[string]any{"token_ttl": 300}, "token_ttl", int64(300)},
		{"token-max-ttl", map[string]any{"token_max_ttl": "2h"}, "token_max_ttl", int64(7200)},
		{"token-num-uses", map[string]any{"token_num_uses": 3}, "token_num_uses", int64(3)},
		{"secret-id-num-uses", map[string]any{"secret_id_num_uses": 5}, "secret_id_num_uses", int64(5)},
		{"period", map[string]any{"period": 600}, "token_period", int64(600)},
	} {
		_, err := root.Logical().Write("auth/approle/role/app/"+w.field, w.data)
		require.NoError(t, err, w.field)
		assert.Equal(t, w.want, num(read(w.field)[w.key]), w.field)
	}
	assert.EqualValues(t, 600, num(read("period")["period"]), "the legacy name echoes the value")
	role, err := root.Logical().Read("auth/approle/role/app")
	require.NoError(t, err)
	assert.EqualValues(t, 3600, num(role.Data["secret_id_ttl"]), "the role's read sees the field's write")

	_, err = root.Logical().Write("auth/approle/role/app/secret-id-bound-cidrs", map[string]any{"secret_id_bound_cidrs": "10.0.0.0/8"})
	require.NoError(t, err)
	assert.Equal(t, []any{"10.0.0.0/8"}, read("bound-cidr-list")["bound_cidr_list"])
	_, err = root.Logical().Write("auth/approle/role/app/token-bound-cidrs", map[string]any{"token_bound_cidrs": "not-a-cidr"})
	requireRefusal(t, err, http.StatusBadRequest, "")
	_, err = root.Logical().Write("auth/approle/role/app/bind-secret-id", map[string]any{"bind_secret_id": false})
	require.NoError(t, err, "the bound CIDRs are still a constraint")
	assert.Equal(t, false, read("bind-secret-id")["bind_secret_id"])
	_, err = root.Logical().Delete("auth/approle/role/app/bind-secret-id")
	require.NoError(t, err)
	assert.Equal(t, true, read("bind-secret-id")["bind_secret_id"], "delete resets to the default")

	_, err = root.Logical().Write("auth/approle/role/app/policies", map[string]any{})
	requireRefusal(t, err, http.StatusBadRequest, "missing token_policies")
	_, err = root.Logical().Delete("auth/approle/role/app/policies")
	require.NoError(t, err)
	assert.Equal(t, []any{}, read("policies")["token_policies"])
	_, err = root.Logical().Delete("auth/approle/role/app/secret-id-ttl")
	require.NoError(t, err)
	assert.EqualValues(t, 0, num(read("secret-id-ttl")["secret_id_ttl"]))

	assert.Equal(t, false, read("local-secret-ids")["local_secret_ids"])
	_, err = root.Logical().Write("auth/approle/role/app/local-secret-ids", map[string]any{"local_secret_ids": true})
	requireRefusal(t, err, http.StatusMethodNotAllowed, "")

	_, err = root.Logical().Write("auth/approle/role/missing/token-ttl", map[string]any{"token_ttl": 60})
	requireRefusal(t, err, http.StatusNotFound, "")
	s, err := root.Logical().Read("auth/approle/role/missing/token-ttl")
	require.NoError(t, err)
	assert.Nil(t, s)
}
