package e2e_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserpassThroughVaultClient(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("userpass", &vault.EnableAuthOptions{Type: "userpass"}))
	_, err := root.Logical().Write("auth/userpass/users/Alice", map[string]any{"password": "correct horse", "token_policies": "dev", "token_ttl": "30m"})
	require.NoError(t, err)
	u, err := root.Logical().Read("auth/userpass/users/alice")
	require.NoError(t, err)
	assert.Equal(t, []any{"dev"}, u.Data["token_policies"])
	assert.NotContains(t, u.Data, "password")
	assert.NotContains(t, u.Data, "password_hash")

	anon := client(t, n, "")
	login, err := anon.Logical().Write("auth/userpass/login/alice", map[string]any{"password": "correct horse"})
	require.NoError(t, err)
	assert.Equal(t, []string{"default", "dev"}, login.Auth.Policies)
	assert.Equal(t, 1800, login.Auth.LeaseDuration)
	assert.Equal(t, map[string]string{"username": "alice"}, login.Auth.Metadata)

	_, err = anon.Logical().Write("auth/userpass/login/alice", map[string]any{"password": "wrong"})
	requireRefusal(t, err, http.StatusBadRequest, "invalid username or password")
	_, err = anon.Logical().Write("auth/userpass/login/nobody", map[string]any{"password": "x"})
	requireRefusal(t, err, http.StatusBadRequest, "invalid username or password")

	// Password and policies updates.
	_, err = root.Logical().Write("auth/userpass/users/alice/password", map[string]any{"password": "battery staple"})
	require.NoError(t, err)
	_, err = anon.Logical().Write("auth/userpass/login/alice", map[string]any{"password": "correct horse"})
	requireRefusal(t, err, http.StatusBadRequest, "invalid username or password")
	_, err = root.Logical().Write("auth/userpass/users/alice/policies", map[string]any{"token_policies": "ops,dev"})
	require.NoError(t, err)
	login, err = anon.Logical().Write("auth/userpass/login/alice", map[string]any{"password": "battery staple"})
	require.NoError(t, err)
	assert.Equal(t, []string{"default", "dev", "ops"}, login.Auth.Policies)
	_, err = root.Logical().Write("auth/userpass/users/bob/password", map[string]any{"password": "x"})
	requireRefusal(t, err, http.StatusBadRequest, "username does not exist")
	_, err = root.Logical().Write("auth/userpass/users/bob", map[string]any{"token_policies": "dev"})
	requireRefusal(t, err, http.StatusBadRequest, "must provide either password or password_hash")

	list, err := root.Logical().List("auth/userpass/users")
	require.NoError(t, err)
	assert.Equal(t, []any{"alice"}, list.Data["keys"])
	_, err = root.Logical().Delete("auth/userpass/users/alice")
	require.NoError(t, err)
	_, err = anon.Logical().Write("auth/userpass/login/alice", map[string]any{"password": "battery staple"})
	requireRefusal(t, err, http.StatusBadRequest, "invalid username or password")
}

// TestLoginBruteForceStalls: after ten wrong passwords a minute from one
// address, the next attempt is a 429 with Retry-After, even with the right
// password; another user's login is not delayed.
func TestLoginBruteForceStalls(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("userpass", &vault.EnableAuthOptions{Type: "userpass"}))
	for _, name := range []string{"victim", "bystander"} {
		_, err := root.Logical().Write("auth/userpass/users/"+name, map[string]any{"password": "right-" + name})
		require.NoError(t, err)
	}
	anon := client(t, n, "")
	// Ten failures a minute are tolerated; a bcrypt check is slow on a
	// loaded machine, so a little refill may let one or two more in.
	failures := 0
	for ; failures < 20; failures++ {
		_, err := anon.Logical().Write("auth/userpass/login/victim", map[string]any{"password": "guess"})
		var re *vault.ResponseError
		require.ErrorAs(t, err, &re)
		if re.StatusCode == http.StatusTooManyRequests {
			break
		}
		requireRefusal(t, err, http.StatusBadRequest, "invalid username or password")
	}
	assert.GreaterOrEqual(t, failures, 10, "honest mistakes are tolerated")
	assert.LessOrEqual(t, failures, 13, "then the guesser stalls")
	_, err := anon.Logical().Write("auth/userpass/login/victim", map[string]any{"password": "right-victim"})
	re := requireRefusal(t, err, http.StatusTooManyRequests, "")
	assert.Contains(t, strings.Join(re.Errors, " "), "rate")
	// The Go client hides headers: ask once more by hand for Retry-After.
	resp, err := http.Post(n.Addr+"/v1/auth/userpass/login/victim", "application/json", strings.NewReader(`{"password":"right-victim"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", resp.Header.Get("Retry-After"))
	assert.Positive(t, secs)

	_, err = anon.Logical().Write("auth/userpass/login/bystander", map[string]any{"password": "right-bystander"})
	require.NoError(t, err, "failures against another user never delay this one")
}
