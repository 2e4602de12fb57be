package scenarios_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppRoleSecretIDWrappedWithOurCLI: the delivery Vault's docs teach,
// with coffer's CLI: `write -wrap-ttl=60s -f auth/approle/role/app/secret-id`
// prints a wrapping token (not the secret id), `unwrap` gives the secret
// id once, and it logs in.
func TestAppRoleSecretIDWrappedWithOurCLI(t *testing.T) {
	s := start(t)
	cli := func(args ...string) string {
		t.Helper()
		out, stderr, code := s.CLI(t, args...)
		require.Equal(t, 0, code, "coffer %s: %s", strings.Join(args, " "), stderr)
		return strings.TrimSpace(out)
	}
	cli("auth", "enable", "approle")
	cli("write", "auth/approle/role/app", "token_policies=default")
	roleID := cli("read", "-field=role_id", "auth/approle/role/app/role-id")

	table := cli("write", "-wrap-ttl=60s", "-f", "auth/approle/role/app/secret-id")
	for _, k := range []string{"wrapping_token", "wrapping_accessor", "wrapping_token_ttl", "wrapping_token_creation_path"} {
		require.Contains(t, table, k)
	}
	require.NotContains(t, table, "secret_id_accessor", "a wrapped response shows only its wrapping token")
	require.Contains(t, table, "auth/approle/role/app/secret-id")

	wrapping := cli("write", "-wrap-ttl=60s", "-f", "-field=wrapping_token", "auth/approle/role/app/secret-id")
	require.NotEmpty(t, wrapping)
	secretID := cli("unwrap", "-field=secret_id", wrapping)
	require.NotEmpty(t, secretID)
	require.NotEqual(t, wrapping, secretID)

	_, stderr, code := s.CLI(t, "unwrap", wrapping)
	require.NotEqual(t, 0, code, "a wrapping token works once")
	require.Contains(t, stderr, "wrapping token is not valid or does not exist")

	token := cli("write", "-field=token", "auth/approle/login", "role_id="+roleID, "secret_id="+secretID)
	require.NotEmpty(t, token)
}
