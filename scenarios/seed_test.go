package scenarios_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestSeedTutorialWithOurCLI runs the seed tutorial's transit, policy and
// audit commands (../shared/seed/) with `coffer` in place of `vault`,
// against the built binary. The database commands run in the database
// scenario (they need PostgreSQL); PKI and Kubernetes auth are not
// implemented yet.
func TestSeedTutorialWithOurCLI(t *testing.T) {
	s := start(t)
	cli := func(args ...string) string {
		t.Helper()
		out, errOut, code := s.CLI(t, args...)
		require.Equal(t, 0, code, "coffer %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errOut)
		return out
	}

	// Transit.
	cli("secrets", "enable", "transit")
	cli("write", "transit/keys/user-pii", "type=aes256-gcm96")
	plain := base64.StdEncoding.EncodeToString([]byte("192.168.1.1 user@example.com"))
	ct := strings.TrimSpace(cli("write", "-field=ciphertext", "transit/encrypt/user-pii", "plaintext="+plain))
	require.True(t, strings.HasPrefix(ct, "vault:v1:"), ct)
	var dec struct {
		Data struct{ Plaintext string } `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(cli("write", "-format=json", "transit/decrypt/user-pii", "ciphertext="+ct)), &dec))
	got, err := base64.StdEncoding.DecodeString(dec.Data.Plaintext)
	require.NoError(t, err)
	require.Equal(t, "192.168.1.1 user@example.com", string(got))
	cli("write", "-f", "transit/keys/user-pii/rotate")
	rewrapped := strings.TrimSpace(cli("write", "-field=ciphertext", "transit/rewrap/user-pii", "ciphertext="+ct))
	require.True(t, strings.HasPrefix(rewrapped, "vault:v2:"), rewrapped)

	// Policies, from files, as the tutorial writes them.
	dir := t.TempDir()
	myapp := filepath.Join(dir, "myapp-policy.hcl")
	require.NoError(t, os.WriteFile(myapp, []byte(`# myapp-policy.hcl

# Allow reading database credentials
path "database/creds/myapp-readwrite" {
  capabilities = ["read"]
}

# Allow using transit encryption
path "transit/encrypt/user-pii" {
  capabilities = ["update"]
}

path "transit/decrypt/user-pii" {
  capabilities = ["update"]
}

# Allow reading application config secrets
path "secret/data/myapp/*" {
  capabilities = ["read", "list"]
}

# Deny access to other namespaces
path "secret/data/other-team/*" {
  capabilities = ["deny"]
}
`), 0o600))
	cli("policy", "write", "myapp-policy", myapp)
	ci := filepath.Join(dir, "ci-deploy-policy.hcl")
	require.NoError(t, os.WriteFile(ci, []byte(`# ci-deploy-policy.hcl
path "secret/data/myapp/*" {
  capabilities = ["create", "update", "delete", "list"]
}

# Deny reading secrets — deploy only, not read
path "secret/data/myapp/prod-*" {
  capabilities = ["deny"]
}
`), 0o600))
	cli("policy", "write", "ci-deploy-policy", ci)
	require.Contains(t, cli("policy", "list"), "myapp-policy")

	// A CI token can write but not read; an app token can read but not
	// write, and both are kept out of prod-* and other-team/*.
	ciTok := strings.TrimSpace(cli("token", "create", "-policy=ci-deploy-policy", "-field=token"))
	appTok := strings.TrimSpace(cli("token", "create", "-policy=myapp-policy", "-field=token"))
	as := func(tok string, args ...string) int {
		t.Helper()
		_, _, code := s.CLIAs(t, tok, args...)
		return code
	}
	require.Equal(t, 0, as(ciTok, "kv", "put", "secret/myapp/config", "api_key=zQx-s3cr3t-Wyv"))
	require.NotEqual(t, 0, as(ciTok, "kv", "get", "secret/myapp/config"), "deploy only, not read")
	require.NotEqual(t, 0, as(ciTok, "kv", "put", "secret/myapp/prod-db", "x=y"))
	require.Equal(t, 0, as(appTok, "kv", "get", "secret/myapp/config"))
	require.NotEqual(t, 0, as(appTok, "kv", "put", "secret/myapp/config", "api_key=zQx-other-Wyv"))
	require.Equal(t, 0, as(appTok, "write", "transit/encrypt/user-pii", "plaintext="+plain))
	require.NotEqual(t, 0, as(appTok, "write", "-f", "transit/keys/user-pii/rotate"))

	// Audit: a file device receives Vault-format, HMAC'd records.
	// The device writes a plain file in a directory that exists: it
	// creates no directories (issue 10, item 12).
	logFile := filepath.Join(dir, "vault", "audit.log")
	require.NoError(t, os.MkdirAll(filepath.Dir(logFile), 0o700))
	cli("audit", "enable", "file", "file_path="+logFile)
	cli("kv", "get", "secret/myapp/config")
	harness.Eventually(t, 10e9, 50e6, func() error {
		b, err := os.ReadFile(logFile)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), `"path":"secret/data/myapp/config"`) {
			return os.ErrNotExist
		}
		return nil
	})
	b, err := os.ReadFile(logFile)
	require.NoError(t, err)
	require.NotContains(t, string(b), "zQx-s3cr3t-Wyv", "the secret value is HMAC'd in the audit log")
	require.Contains(t, string(b), "hmac-sha256:")
}
