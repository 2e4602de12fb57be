package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// plainNode is node 1 of three with plaintext routes; extra goes in its
// storage block.
func plainNode(extra string) string {
	return fmt.Sprintf(`storage "raft" {
  path    = "/d"
  node_id = "n1"
  retry_join { leader_api_addr = "http://n2:8200" }
  retry_join { leader_api_addr = "http://n3:8200" }
%s}
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}
cluster_addr = "http://n1:8201"
`, extra)
}

func TestClusterSecret(t *testing.T) {
	const secret = "s3cr3t-0123456789abcdef0123456789abcdef"
	file := filepath.Join(t.TempDir(), "cluster-secret")
	require.NoError(t, os.WriteFile(file, []byte("\n  "+secret+"\n"), 0o600))
	cfg, err := Parse([]byte(plainNode(fmt.Sprintf("  cluster_secret_file = %q\n", file))), "coffer.hcl", nil)
	require.NoError(t, err)
	require.Equal(t, file, cfg.Storage.ClusterSecretFile)
	require.Empty(t, cfg.Warnings)
	got, err := cfg.ClusterSecret()
	require.NoError(t, err)
	require.Equal(t, secret, string(got), "the file's content, white space aside")

	// Without one, plaintext routes take any peer: a warning says so.
	cfg, err = Parse([]byte(plainNode("")), "coffer.hcl", nil)
	require.NoError(t, err)
	require.Len(t, cfg.Warnings, 1)
	require.Contains(t, cfg.Warnings[0], "cluster_secret_file")
	got, err = cfg.ClusterSecret()
	require.NoError(t, err)
	require.Nil(t, got)
}

func TestClusterSecretRefused(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	require.NoError(t, os.WriteFile(short, []byte("tiny-secret-value\n"), 0o600))
	for _, tc := range []struct{ name, file, want string }{
		{"missing file", filepath.Join(dir, "absent"), "no such file"},
		{"too short", short, "holds 17 bytes; it needs at least 32"},
	} {
		cfg, err := Parse([]byte(plainNode(fmt.Sprintf("  cluster_secret_file = %q\n", tc.file))), "coffer.hcl", nil)
		require.NoError(t, err, tc.name)
		_, err = cfg.ClusterSecret()
		require.ErrorIs(t, err, ErrClusterSecret, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
		require.NotContains(t, err.Error(), "tiny-secret", "%s: the error quotes the secret", tc.name)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"empty name", plainNode("  cluster_secret_file = \"\"\n"), "Invalid cluster_secret_file"},
		{"single node", `storage "ledger" {
  path = "/d"
  cluster_secret_file = "/etc/coffer/secret"
}
listener "tcp" { tls_disable = true }
`, "Unused cluster_secret_file"},
	} {
		_, err := Parse([]byte(tc.src), "coffer.hcl", nil)
		require.ErrorIs(t, err, ErrInvalid, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
		require.False(t, strings.Contains(err.Error(), "panic"), tc.name)
	}
}
