package scenarios_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// start skips in -short mode, runs the test in parallel with the others and
// starts a dev server on a fresh data dir.
func start(t *testing.T) *harness.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: starts the coffer binary")
	}
	t.Parallel()
	return harness.Start(t, harness.Options{})
}

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *vault.ResponseError
	require.ErrorAs(t, err, &re, "want HTTP %d", status)
	require.Equal(t, status, re.StatusCode, "errors: %v", re.Errors)
}

func TestSmokeKVRoundTrip(t *testing.T) {
	s := start(t)
	ctx := t.Context()
	harness.Eventually(t, 10*time.Second, 20*time.Millisecond, func() error {
		out := s.Output()
		for _, want := range []string{"Api Address: " + s.Addr, "Root Token: " + s.Token} {
			if !strings.Contains(out, want) {
				return fmt.Errorf("banner has no %q", want)
			}
		}
		return nil
	})

	kv := s.Client(t).KVv2("secret")
	data := map[string]any{"user": "app", "password": "correct horse battery staple"}
	put, err := kv.Put(ctx, "app/config", data)
	require.NoError(t, err)
	require.NotNil(t, put.VersionMetadata)
	require.Equal(t, 1, put.VersionMetadata.Version)

	got, err := kv.Get(ctx, "app/config")
	require.NoError(t, err)
	require.Equal(t, data, got.Data)
	require.Equal(t, 1, got.VersionMetadata.Version)

	stdout, stderr, code := s.CLI(t, "kv", "get", "secret/app/config")
	require.Equal(t, 0, code, "stderr: %s", stderr)
	require.Contains(t, stdout, "correct horse battery staple")
}

func TestSmokePolicyScopedToken(t *testing.T) {
	s := start(t)
	ctx := t.Context()
	root := s.Client(t)
	kv := root.KVv2("secret")
	_, err := kv.Put(ctx, "app/x", map[string]any{"k": "app"})
	require.NoError(t, err)
	_, err = kv.Put(ctx, "other", map[string]any{"k": "other"})
	require.NoError(t, err)

	require.NoError(t, root.Sys().PutPolicy("app-read", `path "secret/data/app/*" { capabilities = ["read"] }`))
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app-read"}, TTL: "1h"})
	require.NoError(t, err)
	require.NotNil(t, tok.Auth)
	require.Contains(t, tok.Auth.Policies, "app-read")

	app := s.Client(t)
	app.SetToken(tok.Auth.ClientToken)
	appKV := app.KVv2("secret")
	got, err := appKV.Get(ctx, "app/x")
	require.NoError(t, err)
	require.Equal(t, "app", got.Data["k"])

	_, err = appKV.Get(ctx, "other")
	requireStatus(t, err, http.StatusForbidden)
	_, err = appKV.Put(ctx, "app/x", map[string]any{"k": "overwritten"})
	requireStatus(t, err, http.StatusForbidden)
}

func TestSmokeRestartKeepsState(t *testing.T) {
	s := start(t)
	ctx := t.Context()
	root := s.Client(t)
	_, err := root.KVv2("secret").Put(ctx, "app/x", map[string]any{"k": "v1"})
	require.NoError(t, err)
	require.NoError(t, root.Sys().PutPolicy("app-read", `path "secret/data/app/*" { capabilities = ["read"] }`))
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app-read"}, TTL: "1h"})
	require.NoError(t, err)

	require.NoError(t, s.Stop())
	s.Restart(t)

	kv := s.Client(t).KVv2("secret") // same address and root token as before
	got, err := kv.Get(ctx, "app/x")
	require.NoError(t, err)
	require.Equal(t, "v1", got.Data["k"])
	require.Equal(t, 1, got.VersionMetadata.Version)
	put, err := kv.Put(ctx, "app/x", map[string]any{"k": "v2"})
	require.NoError(t, err)
	require.Equal(t, 2, put.VersionMetadata.Version, "the version counter must survive the restart")

	app := s.Client(t)
	app.SetToken(tok.Auth.ClientToken)
	got, err = app.KVv2("secret").Get(ctx, "app/x")
	require.NoError(t, err, "a token and its policy must survive the restart")
	require.Equal(t, "v2", got.Data["k"])
}

func TestSmokeKillKeepsAcknowledgedWrites(t *testing.T) {
	s := start(t)
	ctx := t.Context()
	kv := s.Client(t).KVv2("secret")
	const n = 5
	for i := 1; i <= n; i++ {
		_, err := kv.Put(ctx, "kill/k", map[string]any{"v": fmt.Sprint(i)})
		require.NoError(t, err)
	}
	s.Kill() // SIGKILL right after the last acknowledged write
	s.Restart(t)

	got, err := s.Client(t).KVv2("secret").Get(ctx, "kill/k")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(n), got.Data["v"])
	require.Equal(t, n, got.VersionMetadata.Version)
}

func TestSmokeCanaryNeverInPlaintext(t *testing.T) {
	s := start(t)
	ctx := t.Context()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	canary := []byte("canary-" + hex.EncodeToString(b))

	kv := s.Client(t).KVv2("secret")
	_, err := kv.Put(ctx, "canary/db", map[string]any{"password": string(canary)})
	require.NoError(t, err)
	got, err := kv.Get(ctx, "canary/db")
	require.NoError(t, err)
	require.Equal(t, string(canary), got.Data["password"])
	require.NoError(t, s.Stop())

	require.NotZero(t, dirBytes(t, s.DataDir), "the data dir is empty: the scan would prove nothing")
	needles := harness.Encodings(canary)
	require.Empty(t, harness.ScanForBytes(t, s.DataDir, needles...), "secret found in plaintext on disk")
	out := s.Output()
	for _, n := range needles {
		require.NotContains(t, out, string(n), "secret found in the server's output")
	}
}

// dirBytes is the total size of the regular files under dir.
func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return total
}

// TestSmokeSettingsNeverInPlaintext is the canary scan for what is not a
// secret value but was written by a user (issue 10, item 10): policy names
// and text, mount descriptions and options, transit key names, database
// connection URLs, usernames and role SQL, userpass user names, AppRole,
// token and PKI role names, cubbyhole paths, a lease id and a token
// accessor. None of it may show in the data dir, in any encoding.
func TestSmokeSettingsNeverInPlaintext(t *testing.T) {
	s := start(t)
	c := s.Client(t)
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	tag := hex.EncodeToString(b)
	canary := func(what string) string { return "canary" + what + tag }

	require.NoError(t, c.Sys().PutPolicy(canary("policyname"), `path "secret/data/`+canary("policypath")+`/*" { capabilities = ["read"] }`))
	require.NoError(t, c.Sys().Mount("tr", &vault.MountInput{Type: "transit", Description: canary("description")}))
	_, err := c.Logical().Write("tr/keys/"+canary("transitkey"), nil)
	require.NoError(t, err)
	require.NoError(t, c.Sys().Mount("db", &vault.MountInput{Type: "database"}))
	_, err = c.Logical().Write("db/config/"+canary("connection"), map[string]any{
		"plugin_name":       "postgresql-database-plugin",
		"connection_url":    "postgresql://{{username}}:{{password}}@" + canary("host") + ":5432/postgres",
		"username":          canary("user"),
		"password":          canary("password"),
		"verify_connection": false,
		"allowed_roles":     "*",
	})
	require.NoError(t, err)
	_, err = c.Logical().Write("db/roles/"+canary("role"), map[string]any{
		"db_name":             canary("connection"),
		"creation_statements": `CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' IN ROLE ` + canary("sql") + `;`,
	})
	require.NoError(t, err)
	// User and role names of auth methods, token roles, PKI roles and
	// cubbyhole paths are names too.
	require.NoError(t, c.Sys().EnableAuthWithOptions("up", &vault.EnableAuthOptions{Type: "userpass"}))
	_, err = c.Logical().Write("auth/up/users/"+canary("username"), map[string]any{"password": canary("userpassword")})
	require.NoError(t, err)
	require.NoError(t, c.Sys().EnableAuthWithOptions("ar", &vault.EnableAuthOptions{Type: "approle"}))
	_, err = c.Logical().Write("auth/ar/role/"+canary("approle"), map[string]any{"token_policies": "default"})
	require.NoError(t, err)
	_, err = c.Logical().Write("auth/token/roles/"+canary("tokenrole"), map[string]any{"orphan": true})
	require.NoError(t, err)
	require.NoError(t, c.Sys().Mount("pk", &vault.MountInput{Type: "pki"}))
	_, err = c.Logical().Write("pk/roles/"+canary("pkirole"), map[string]any{"allow_any_name": true, "generate_lease": true})
	require.NoError(t, err)
	// A lease id names its mount and role, and a token accessor is a
	// handle on a token: a certificate issued with a lease, by a child
	// token, puts both in the lease indexes.
	_, err = c.Logical().Write("pk/root/generate/internal", map[string]any{"common_name": "Canary Root", "ttl": "8760h", "key_type": "ec"})
	require.NoError(t, err)
	child, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"root"}})
	require.NoError(t, err)
	cc, err := c.Clone()
	require.NoError(t, err)
	cc.SetToken(child.Auth.ClientToken)
	cert, err := cc.Logical().Write("pk/issue/"+canary("pkirole"), map[string]any{"common_name": "canary.example.com", "ttl": "1h"})
	require.NoError(t, err)
	leaseID, accessor := cert.LeaseID, child.Auth.Accessor
	require.Contains(t, leaseID, canary("pkirole"), "the lease id names the role")
	leaf := leaseID[strings.LastIndexByte(leaseID, '/')+1:]
	_, err = c.Logical().Write("cubbyhole/"+canary("cubbypath"), map[string]any{"v": "x"})
	require.NoError(t, err)

	// The server reads every one of them back before it is stopped.
	pol, err := c.Sys().GetPolicy(canary("policyname"))
	require.NoError(t, err)
	require.Contains(t, pol, canary("policypath"))
	role, err := c.Logical().Read("db/roles/" + canary("role"))
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(role.Data["creation_statements"]), canary("sql"))
	for path, key := range map[string]string{"auth/up/users/": "username", "auth/ar/role/": "approle", "auth/token/roles/": "tokenrole", "pk/roles/": "pkirole"} {
		l, err := c.Logical().List(path)
		require.NoError(t, err)
		require.Contains(t, fmt.Sprint(l.Data["keys"]), canary(key), "%s lists the name", path)
	}
	leases, err := c.Logical().List("sys/leases/lookup/pk/issue/" + canary("pkirole") + "/")
	require.NoError(t, err)
	require.Equal(t, []any{leaf}, leases.Data["keys"], "the lease lists under its folder")
	cub, err := c.Logical().Read("cubbyhole/" + canary("cubbypath"))
	require.NoError(t, err)
	require.Equal(t, "x", cub.Data["v"])
	require.NoError(t, s.Stop())

	require.NotZero(t, dirBytes(t, s.DataDir), "the data dir is empty: the scan would prove nothing")
	for _, what := range []string{"policyname", "policypath", "description", "transitkey", "connection", "host", "user", "password", "role", "sql",
		"username", "userpassword", "approle", "tokenrole", "pkirole", "cubbypath"} {
		found := harness.ScanForBytes(t, s.DataDir, harness.Encodings([]byte(canary(what)))...)
		require.Empty(t, found, "%s found in plaintext on disk", what)
	}
	for what, id := range map[string]string{"lease id": leaseID, "lease id's last segment": leaf, "token accessor": accessor} {
		found := harness.ScanForBytes(t, s.DataDir, harness.Encodings([]byte(id))...)
		require.Empty(t, found, "%s found in plaintext on disk", what)
	}
}
