package node

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/internal/testauth"
	"github.com/cofferhq/coffer/internal/testkit"
)

// withTestAuth serves the test auth method besides the node's own modules:
// one line, as an auth method's package adds itself to the list.
func withTestAuth(users map[string]testauth.User) func(*Config) {
	return func(c *Config) { c.ExtraModules = append(c.ExtraModules, testauth.Module(users)) }
}

var testUsers = map[string]testauth.User{
	"alice":   {Password: "correct horse", Policies: []string{"App-Reader"}, TTL: time.Hour, Metadata: map[string]string{"team": "a"}},
	"faraway": {Password: "pw", Policies: []string{"app-reader"}, BoundCIDRs: []string{"10.0.0.0/8"}},
	"capped":  {Password: "pw", TTL: 10 * time.Hour},
}

// TestAuthMethodEndToEnd enables an auth method with sys/auth, logs in
// through HashiCorp's client (no token: the login path is
// unauthenticated), and uses the token the core minted.
func TestAuthMethodEndToEnd(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token", withTestAuth(testUsers))
	root := clientFor(t, n, "root-token")
	ctx := context.Background()

	require.NoError(t, root.Sys().EnableAuthWithOptions("static", &vault.EnableAuthOptions{Type: testauth.Type, Description: "people"}))
	auths, err := root.Sys().ListAuth()
	require.NoError(t, err)
	require.Contains(t, auths, "static/")
	assert.Equal(t, testauth.Type, auths["static/"].Type)
	assert.Equal(t, "people", auths["static/"].Description)
	assert.Regexp(t, `^auth_test-static_[0-9a-f]{8}$`, auths["static/"].Accessor)
	require.Contains(t, auths, "token/", "the built-in token store is listed too")
	mounts, err := root.Sys().ListMounts()
	require.NoError(t, err)
	assert.NotContains(t, mounts, "auth/static/", "auth methods are not secrets engines")

	require.NoError(t, root.Sys().PutPolicy("app-reader", `path "secret/data/app/*" { capabilities = ["read"] }`))
	_, err = root.KVv2("secret").Put(ctx, "app/db", map[string]any{"password": "s3cr3t"})
	require.NoError(t, err)

	anon := clientFor(t, n, "")
	anon.ClearToken()
	login, err := anon.Logical().Write("auth/static/login", map[string]any{"name": "alice", "password": "correct horse"})
	require.NoError(t, err)
	require.NotNil(t, login.Auth)
	tok := login.Auth.ClientToken
	assert.True(t, strings.HasPrefix(tok, "hvs."), "a service token, minted by the core")
	assert.Equal(t, []string{"app-reader", "default"}, login.Auth.Policies, "sanitised, with default")
	assert.Equal(t, []string{"app-reader", "default"}, login.Auth.TokenPolicies)
	assert.Equal(t, 3600, login.Auth.LeaseDuration)
	assert.True(t, login.Auth.Renewable)
	assert.True(t, login.Auth.Orphan)
	assert.Equal(t, map[string]string{"name": "alice", "team": "a"}, login.Auth.Metadata)
	assert.NotEmpty(t, login.Auth.Accessor)

	user := clientFor(t, n, tok)
	got, err := user.KVv2("secret").Get(ctx, "app/db")
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t", got.Data["password"])
	_, err = user.KVv2("secret").Put(ctx, "app/db", map[string]any{"password": "x"})
	requireStatus(t, err, http.StatusForbidden)
	self, err := user.Auth().Token().LookupSelf()
	require.NoError(t, err)
	assert.Equal(t, "static-alice", self.Data["display_name"])
	assert.Equal(t, "auth/static/login", self.Data["path"])
	assert.Equal(t, true, self.Data["orphan"])

	// The path form logs in too; a wrong password and an unknown user get
	// the same 400.
	_, err = anon.Logical().Write("auth/static/login/alice", map[string]any{"password": "correct horse"})
	require.NoError(t, err)
	for _, body := range []map[string]any{{"name": "alice", "password": "wrong"}, {"name": "nobody", "password": "wrong"}} {
		_, err = anon.Logical().Write("auth/static/login", body)
		requireStatus(t, err, http.StatusBadRequest)
		assert.ErrorContains(t, err, "invalid username or password")
	}

	// The auth mount's tune caps what a method asks for.
	require.NoError(t, root.Sys().TuneMount("auth/static", vault.MountConfigInput{MaxLeaseTTL: "2h"}))
	tune, err := root.Sys().MountConfig("auth/static")
	require.NoError(t, err)
	assert.Equal(t, 7200, tune.MaxLeaseTTL)
	capped, err := anon.Logical().Write("auth/static/login", map[string]any{"name": "capped", "password": "pw"})
	require.NoError(t, err)
	assert.Equal(t, 7200, capped.Auth.LeaseDuration)

	// A token bound to a network the client is not in is refused.
	far, err := anon.Logical().Write("auth/static/login", map[string]any{"name": "faraway", "password": "pw"})
	require.NoError(t, err)
	_, err = clientFor(t, n, far.Auth.ClientToken).KVv2("secret").Get(ctx, "app/db")
	requireStatus(t, err, http.StatusForbidden)

	// The login is in the ledger: the token.created event names the mount
	// and the alias; the audit trail has the token only as an HMAC.
	var created *tokenevent.Created
	for _, rec := range readLedger(t, n) {
		if rec.Type != tokenevent.EventCreated {
			continue
		}
		var c tokenevent.Created
		require.NoError(t, json.Unmarshal(rec.Data, &c))
		if c.Accessor == login.Auth.Accessor {
			created = &c
		}
	}
	require.NotNil(t, created, "the login minted a token.created")
	assert.Equal(t, auths["static/"].Accessor, created.MountAccessor)
	assert.Equal(t, "alice", created.Alias)
	var sawLoginResponse bool
	for _, rec := range readAudit(t, n) {
		raw, err := json.Marshal(rec)
		require.NoError(t, err)
		assert.NotContains(t, string(raw), tok, "no audit record holds the token")
		assert.NotContains(t, string(raw), "correct horse", "no audit record holds the password")
		if rec.Type == "response" && rec.Request.Path == "auth/static/login" && rec.Response != nil && rec.Response.Auth != nil {
			sawLoginResponse = true
			assert.NotEmpty(t, rec.Response.Auth.ClientToken, "the minted token is audited, HMAC'd")
		}
	}
	assert.True(t, sawLoginResponse)

	// Disabling the method stops its route and revokes what it minted.
	require.NoError(t, root.Sys().DisableAuth("static"))
	_, err = anon.Logical().Write("auth/static/login", map[string]any{"name": "alice", "password": "correct horse"})
	// Nothing serves the path any more, so it needs a token: an anonymous
	// request gets Vault's 403, and is audited (issue 10, item 8).
	requireStatus(t, err, http.StatusForbidden)
	testkit.CheckFor(t, 10*time.Second, 0, func() error {
		_, err := user.Auth().Token().LookupSelf()
		if err == nil {
			return errNotYet
		}
		return nil
	})

	// The token store is built in: it can be neither enabled nor disabled.
	err = root.Sys().EnableAuthWithOptions("token2", &vault.EnableAuthOptions{Type: "token"})
	requireStatus(t, err, http.StatusBadRequest)
	assert.ErrorContains(t, err, "token credential backend cannot be instantiated")
	requireStatus(t, root.Sys().DisableAuth("token"), http.StatusBadRequest)
	err = root.Sys().EnableAuthWithOptions("nope", &vault.EnableAuthOptions{Type: "no-such-method"})
	requireStatus(t, err, http.StatusBadRequest)
	assert.ErrorContains(t, err, "plugin not found in the catalog")
}

// TestAuthPathsConflictAndNeedSudo: nested auth paths are refused with
// Vault's 409; enabling needs sudo on sys/auth/*.
func TestAuthPathsConflictAndNeedSudo(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token", withTestAuth(testUsers))
	root := clientFor(t, n, "root-token")
	require.NoError(t, root.Sys().EnableAuthWithOptions("team/a", &vault.EnableAuthOptions{Type: testauth.Type}))
	for _, p := range []string{"team/a", "team", "team/a/b", "token/x"} {
		err := root.Sys().EnableAuthWithOptions(p, &vault.EnableAuthOptions{Type: testauth.Type})
		requireStatus(t, err, http.StatusConflict)
		assert.ErrorContains(t, err, "path is already in use at ")
	}
	require.NoError(t, root.Sys().EnableAuthWithOptions("team/b", &vault.EnableAuthOptions{Type: testauth.Type}))

	require.NoError(t, root.Sys().PutPolicy("mounter", `
path "sys/auth/*" { capabilities = ["create", "update", "delete", "read"] }
path "sys/auth" { capabilities = ["read"] }`))
	sec, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"mounter"}})
	require.NoError(t, err)
	c := clientFor(t, n, sec.Auth.ClientToken)
	_, err = c.Sys().ListAuth()
	require.NoError(t, err, "listing needs no sudo")
	err = c.Sys().EnableAuthWithOptions("other", &vault.EnableAuthOptions{Type: testauth.Type})
	requireStatus(t, err, http.StatusForbidden)
}

// TestAuthEnableRefusesMethodsTheNodeLacks: enabling a method no module
// serves is refused as Vault refuses a plugin missing from its catalog.
func TestAuthEnableRefusesMethodsTheNodeLacks(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	for _, typ := range []string{"ldap", "oidc", "test-static"} {
		err := root.Sys().EnableAuthWithOptions(typ, &vault.EnableAuthOptions{Type: typ})
		requireStatus(t, err, http.StatusBadRequest)
		assert.ErrorContains(t, err, "plugin not found in the catalog: "+typ)
	}
	auths, err := root.Sys().ListAuth()
	require.NoError(t, err)
	assert.Len(t, auths, 1, "token/ only")
}
