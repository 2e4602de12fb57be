package clientcmd

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/node"
)

// realNode runs an in-process dev node and points the CLI at it with the
// root token; HOME is a temp dir, so ~/.vault-token is the test's own.
func realNode(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{
		DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root-token",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	for _, v := range []string{"VAULT_ADDR", "VAULT_AGENT_ADDR", "COFFER_TOKEN", "COFFER_FORMAT", "VAULT_FORMAT", "VAULT_TOKEN"} {
		t.Setenv(v, "")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("COFFER_ADDR", n.Addr)
	t.Setenv("VAULT_MAX_RETRIES", "0")
	return home
}

func cli(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, stderr, code := runCLI(stdin, args...)
	require.Equal(t, 0, code, "coffer %s: %s", strings.Join(args, " "), stderr)
	return out
}

// TestAuthAndLoginAgainstANode: the Vault CLI habits end to end against a
// real node: auth enable/list/tune/disable, users and AppRole roles
// written with `write`, and `login` with each method storing its token.
func TestAuthAndLoginAgainstANode(t *testing.T) {
	home := realNode(t)
	tokenFile := filepath.Join(home, ".vault-token")
	assert.Contains(t, cli(t, "root-token\n", "login", "-"), "Success! You are now authenticated.")
	b, err := os.ReadFile(tokenFile)
	require.NoError(t, err)
	assert.Equal(t, "root-token", string(b))

	assert.Equal(t, "Success! Enabled userpass auth method at: userpass/\n", cli(t, "", "auth", "enable", "userpass"))
	assert.Equal(t, "Success! Enabled approle auth method at: machines/\n", cli(t, "", "auth", "enable", "-path=machines", "-description=robots", "approle"))
	list := cli(t, "", "auth", "list")
	assert.Regexp(t, `machines/\s+approle\s+auth_approle_\w+\s+robots`, list)
	assert.Regexp(t, `token/\s+token`, list)
	assert.Contains(t, cli(t, "", "auth", "tune", "-max-lease-ttl=2h", "userpass"), "Success! Tuned the auth method at: userpass/")
	assert.Contains(t, cli(t, "", "auth", "list", "-detailed"), "7200")

	cli(t, "", "write", "auth/userpass/users/alice", "password=wonderland", "token_policies=default")
	out := cli(t, "", "login", "-method=userpass", "username=alice", "password=wonderland")
	assert.Contains(t, out, "token_meta_username    alice")
	b, err = os.ReadFile(tokenFile)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "hvs."), "the userpass token is stored")
	self := cli(t, "", "token", "lookup")
	assert.Contains(t, self, "auth/userpass/login/alice")

	// The password may come on stdin, as the vault CLI prompts for it.
	cli(t, "root-token\n", "login", "-")
	tok := cli(t, "wonderland\n", "login", "-method=userpass", "-token-only", "-no-store", "username=alice")
	assert.True(t, strings.HasPrefix(tok, "hvs."), tok)
	b, _ = os.ReadFile(tokenFile)
	assert.Equal(t, "root-token", string(b), "-no-store leaves the stored token alone")

	cli(t, "", "write", "auth/machines/role/ci", "token_policies=default")
	roleID := cli(t, "", "read", "-field=role_id", "auth/machines/role/ci/role-id")
	secretID := cli(t, "", "write", "-f", "-field=secret_id", "auth/machines/role/ci/secret-id")
	out = cli(t, "", "login", "-method=approle", "-path=machines", "role_id="+roleID, "secret_id="+secretID)
	assert.Contains(t, out, "token_meta_role_name    ci")

	_, stderr, code := runCLI("", "login", "-method=userpass", "username=alice", "password=nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "invalid username or password")
	_, stderr, code = runCLI("", "login", "-method=ldap", "username=alice")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "Unknown auth method: ldap")

	cli(t, "root-token\n", "login", "-")
	assert.Contains(t, cli(t, "", "auth", "disable", "machines"), "Success! Disabled the auth method (if it existed) at: machines/")
	assert.NotContains(t, cli(t, "", "auth", "list"), "machines/")
}
