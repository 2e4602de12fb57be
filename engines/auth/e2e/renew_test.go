package e2e_test

import (
	"net/http"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

// TestUserpassLoginRenewRechecksTheUser: a login token renews while its
// user exists with the same policies, as Vault's userpass renew; a policy
// change refuses with 400, a deleted user with 403, and renew-accessor
// (the operator's way) is held to the same check.
func TestUserpassLoginRenewRechecksTheUser(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("userpass", &vault.EnableAuthOptions{Type: "userpass"}))
	_, err := root.Logical().Write("auth/userpass/users/alice", map[string]any{"password": "correct horse", "token_policies": "dev", "token_ttl": "30m"})
	require.NoError(t, err)
	login, err := client(t, n, "").Logical().Write("auth/userpass/login/alice", map[string]any{"password": "correct horse"})
	require.NoError(t, err)
	alice := client(t, n, login.Auth.ClientToken)

	renewed, err := alice.Auth().Token().RenewSelf(900)
	require.NoError(t, err)
	require.Equal(t, 900, renewed.Auth.LeaseDuration)

	// The user's current token settings apply at renewal, as Vault's
	// userpass renew returns them: a renewal without an increment takes
	// the new token_ttl, and the new token_max_ttl caps an increment.
	_, err = root.Logical().Write("auth/userpass/users/alice", map[string]any{"token_ttl": "10m", "token_max_ttl": "20m"})
	require.NoError(t, err)
	renewed, err = alice.Auth().Token().RenewSelf(0)
	require.NoError(t, err)
	require.Equal(t, 600, renewed.Auth.LeaseDuration, "token_ttl is now 10m")
	renewed, err = alice.Auth().Token().RenewSelf(7200)
	require.NoError(t, err)
	require.LessOrEqual(t, renewed.Auth.LeaseDuration, 1200, "token_max_ttl is now 20m from the login")
	require.Greater(t, renewed.Auth.LeaseDuration, 1100)

	_, err = root.Logical().Write("auth/userpass/users/alice/policies", map[string]any{"token_policies": "dev,ops"})
	require.NoError(t, err)
	_, err = alice.Auth().Token().RenewSelf(600)
	requireRefusal(t, err, http.StatusBadRequest, "policies have changed, not renewing")

	_, err = root.Logical().Write("auth/userpass/users/alice/policies", map[string]any{"token_policies": "dev"})
	require.NoError(t, err)
	_, err = alice.Auth().Token().RenewSelf(600)
	require.NoError(t, err, "the same policies again: renewable again")

	_, err = root.Logical().Delete("auth/userpass/users/alice")
	require.NoError(t, err)
	_, err = alice.Auth().Token().RenewSelf(600)
	requireRefusal(t, err, http.StatusForbidden, "")
	_, err = root.Auth().Token().RenewAccessor(login.Auth.Accessor, 600)
	requireRefusal(t, err, http.StatusForbidden, "")

	// The token itself lives on until it expires or is revoked: Vault
	// refuses the renewal, it does not revoke.
	_, err = alice.Auth().Token().LookupSelf()
	require.NoError(t, err)
}

// TestAppRoleLoginRenewRefusedOnceTheRoleIsDeleted: as Vault's AppRole
// renew, a login token renews while its role exists.
func TestAppRoleLoginRenewRefusedOnceTheRoleIsDeleted(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	enableAppRole(t, root)
	_, err := root.Logical().Write("auth/approle/role/app", map[string]any{"token_policies": "app", "bind_secret_id": false, "token_bound_cidrs": "127.0.0.1/32"})
	require.NoError(t, err)
	rid, err := root.Logical().Read("auth/approle/role/app/role-id")
	require.NoError(t, err)
	login, err := client(t, n, "").Logical().Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"]})
	require.NoError(t, err)
	app := client(t, n, login.Auth.ClientToken)

	_, err = app.Auth().Token().RenewSelf(0)
	require.NoError(t, err)
	_, err = root.Logical().Delete("auth/approle/role/app")
	require.NoError(t, err)
	_, err = app.Auth().Token().RenewSelf(0)
	requireRefusal(t, err, http.StatusForbidden, "")
}
