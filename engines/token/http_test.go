package token_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/internal/testkit"
)

// testPolicies are the ACL policies the HTTP tests hand out.
var testPolicies = map[string]string{
	"creator": `
path "auth/token/create" { capabilities = ["update"] }
path "auth/token/lookup" { capabilities = ["update"] }
path "auth/token/revoke-orphan" { capabilities = ["update"] }
path "auth/token/accessors" { capabilities = ["list"] }
`,
	"admin": `
path "auth/token/*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }
`,
	"app": `path "secret/*" { capabilities = ["read"] }`,
}

func compileACL(names []string) (*acl.ACL, error) {
	if slices.Contains(names, "root") {
		return acl.NewRoot(), nil
	}
	var ps []*acl.Policy
	for _, name := range names {
		if name == "default" {
			ps = append(ps, acl.Default())
			continue
		}
		text, ok := testPolicies[name]
		if !ok {
			continue
		}
		p, err := acl.Parse(name, text)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return acl.New(ps...), nil
}

// serveHTTP puts the gateway in front of n and returns its URL and the
// root token.
func serveHTTP(t testing.TB, n *node) (string, string) {
	t.Helper()
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	gw := gateway.New(gateway.Config{
		Deps:     n.deps,
		Mounts:   func(string) (gateway.Mount, string, bool) { return gateway.Mount{}, "", false },
		ACL:      compileACL,
		Tokens:   n.resolver,
		Builtins: []gateway.Builtin{{Path: "auth/token/", Type: "token", Accessor: "auth_token", Backend: n.backend}},
		Sealed:   n.deps.Ledger.Sealed,
		Log:      testkit.Log(),
	})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv.URL, root
}

func vaultClient(t testing.TB, addr, tok string) *vault.Client {
	return testkit.VaultClient(t, addr, tok)
}

func statusOf(err error) int {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func TestVaultClientTokenFlows(t *testing.T) {
	n := startNode(t, t.TempDir())
	addr, root := serveHTTP(t, n)
	c := vaultClient(t, addr, root)
	tokens := c.Auth().Token()

	created, err := tokens.Create(&vault.TokenCreateRequest{Policies: []string{"creator", "app"}, TTL: "1h", Metadata: map[string]string{"team": "x"}})
	require.NoError(t, err)
	require.NotNil(t, created.Auth)
	assert.ElementsMatch(t, []string{"app", "creator", "default"}, created.Auth.Policies)
	assert.Equal(t, 3600, created.Auth.LeaseDuration)
	assert.True(t, created.Auth.Renewable)
	assert.Equal(t, map[string]string{"team": "x"}, created.Auth.Metadata)
	creator := vaultClient(t, addr, created.Auth.ClientToken)

	self, err := creator.Auth().Token().LookupSelf()
	require.NoError(t, err)
	ttl, err := self.TokenTTL()
	require.NoError(t, err)
	assert.Greater(t, ttl.Seconds(), 3500.0)
	id, err := self.TokenID()
	require.NoError(t, err)
	assert.Equal(t, created.Auth.ClientToken, id)
	acc, err := self.TokenAccessor()
	require.NoError(t, err)
	assert.Equal(t, created.Auth.Accessor, acc)
	pols, err := self.TokenPolicies()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"app", "creator", "default"}, pols)
	renewable, err := self.TokenIsRenewable()
	require.NoError(t, err)
	assert.True(t, renewable)

	// A child may only get a subset of its parent's policies.
	_, err = creator.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"admin"}})
	assert.Equal(t, http.StatusBadRequest, statusOf(err))
	child, err := creator.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app"}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"app", "default"}, child.Auth.Policies)
	grandchild, err := vaultClient(t, addr, child.Auth.ClientToken).Auth().Token().Create(&vault.TokenCreateRequest{})
	assert.Equal(t, http.StatusForbidden, statusOf(err), "app cannot write auth/token/create")
	assert.Nil(t, grandchild)

	// revoke-orphan and LIST accessors need sudo.
	err = creator.Auth().Token().RevokeOrphan(child.Auth.ClientToken)
	assert.Equal(t, http.StatusForbidden, statusOf(err))
	_, err = creator.Logical().List("auth/token/accessors")
	assert.Equal(t, http.StatusForbidden, statusOf(err))
	list, err := c.Logical().List("auth/token/accessors")
	require.NoError(t, err)
	assert.Contains(t, list.Data["keys"], child.Auth.Accessor)

	look, err := tokens.LookupAccessor(child.Auth.Accessor)
	require.NoError(t, err)
	assert.Equal(t, "", look.Data["id"])
	assert.Equal(t, child.Auth.Accessor, look.Data["accessor"])

	renewed, err := tokens.Renew(created.Auth.ClientToken, 7200)
	require.NoError(t, err)
	assert.Equal(t, 7200, renewed.Auth.LeaseDuration)
	selfRenewed, err := creator.Auth().Token().RenewSelf(600)
	require.NoError(t, err)
	assert.Equal(t, 600, selfRenewed.Auth.LeaseDuration)

	// Revoking the parent takes the child with it.
	require.NoError(t, tokens.RevokeTree(created.Auth.ClientToken))
	_, err = vaultClient(t, addr, child.Auth.ClientToken).Auth().Token().LookupSelf()
	assert.Equal(t, http.StatusForbidden, statusOf(err))
	_, err = creator.Auth().Token().LookupSelf()
	assert.Equal(t, http.StatusForbidden, statusOf(err))

	orphan, err := tokens.CreateOrphan(&vault.TokenCreateRequest{Policies: []string{"app"}, NumUses: 2})
	require.NoError(t, err)
	assert.True(t, orphan.Auth.Orphan)
	limited := vaultClient(t, addr, orphan.Auth.ClientToken)
	_, err = limited.Auth().Token().LookupSelf()
	require.NoError(t, err)
	_, err = limited.Auth().Token().LookupSelf()
	require.Error(t, err, "the last use revokes the token before lookup-self runs")
	_, err = limited.Auth().Token().LookupSelf()
	assert.Equal(t, http.StatusForbidden, statusOf(err))

	other, err := tokens.Create(&vault.TokenCreateRequest{Policies: []string{"app"}})
	require.NoError(t, err)
	require.NoError(t, tokens.RevokeAccessor(other.Auth.Accessor))
	_, err = tokens.Lookup(other.Auth.ClientToken)
	assert.Equal(t, http.StatusForbidden, statusOf(err))
}

// Through the whole stack, audit records included, raw tokens stay off
// disk.
func TestHTTPTokensNeverReachDisk(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	addr, root := serveHTTP(t, n)
	c := vaultClient(t, addr, root)
	var secrets []string
	for i := 0; i < 5; i++ {
		s, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h"})
		require.NoError(t, err)
		secrets = append(secrets, s.Auth.ClientToken)
		_, err = c.Auth().Token().Lookup(s.Auth.ClientToken)
		require.NoError(t, err)
		_, err = c.Auth().Token().Renew(s.Auth.ClientToken, 60)
		require.NoError(t, err)
	}
	require.NoError(t, c.Auth().Token().RevokeTree(secrets[0]))
	secrets = append(secrets, root)
	n.stop()
	assertNotOnDisk(t, dir, secrets)
}
