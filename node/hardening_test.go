package node

import (
	"net/http"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Regression tests of issue 10 (a review as an attacker with a narrow
// token), through the HTTP API of a running node.

// TestEveryListRouteTakesItsSlash walks the path table of every mount:
// every pattern is anchored at segment boundaries (compile panics
// otherwise, so matching at all proves it), and every list route serves
// its paths with the trailing slash the gateway gives a LIST.
func TestEveryListRouteTakesItsSlash(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	require.NoError(t, c.Sys().Mount("database", &vault.MountInput{Type: "database"}))
	for _, mount := range []string{"sys/", "auth/token/", "secret/", "transit/", "database/"} {
		b, ok := n.mountBackend(mount)
		require.True(t, ok, mount)
		assert.Empty(t, b.ListWithoutSlash(), mount)
	}
}

// TestLeaseLookupListNeedsSudo: item 2. A policy that lets a token look a
// lease up by id (update on sys/leases/lookup) must not let it list every
// lease id by leaving out the slash or sending a longer name.
func TestLeaseLookupListNeedsSudo(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	require.NoError(t, root.Sys().PutPolicy("lookup-by-id", `
path "sys/leases/lookup" { capabilities = ["update", "list"] }
path "sys/leases/lookup*" { capabilities = ["update", "list"] }
`))
	tok, _ := createToken(t, root, "lookup-by-id")
	for _, tc := range []struct{ method, path string }{
		{"LIST", "/v1/sys/leases/lookup"},
		{"LIST", "/v1/sys/leases/lookup/"},
		{http.MethodGet, "/v1/sys/leases/lookup?list=true"},
		{"LIST", "/v1/sys/leases/lookupdatabase/creds/ro/"},
	} {
		resp, body := rawRequest(t, n, tc.method, tc.path, tok, "")
		assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed}, resp.StatusCode, "%s %s: %s", tc.method, tc.path, body)
		if tc.path != "/v1/sys/leases/lookupdatabase/creds/ro/" {
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s %s needs sudo: %s", tc.method, tc.path, body)
		}
	}
	// With sudo it lists.
	resp, body := rawRequest(t, n, "LIST", "/v1/sys/leases/lookup", "root-token", "")
	assert.Contains(t, []int{http.StatusOK, http.StatusNotFound}, resp.StatusCode, body)
}

// TestListIsCheckedWithItsSlash: item 3 through the gateway. LIST of
// "a/b" and GET "a/b?list=true" are checked as "a/b/", and a grant of
// list on "a/b/*" allows LIST "a/b", as in Vault.
func TestListIsCheckedWithItsSlash(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	for _, p := range []string{"team-b/x", "app/y"} {
		putIndexed(t, n, "root-token", p, map[string]any{"v": "1"})
	}
	require.NoError(t, root.Sys().PutPolicy("lister", `
path "secret/metadata/*" { capabilities = ["list"] }
path "secret/metadata/team-b/" { capabilities = ["deny"] }
path "secret/metadata/team-b/*" { capabilities = ["deny"] }
`))
	require.NoError(t, root.Sys().PutPolicy("app-lister", `
path "secret/metadata/app/*" { capabilities = ["list"] }
`))
	tok, _ := createToken(t, root, "lister")
	for _, tc := range []struct{ method, path string }{
		{"LIST", "/v1/secret/metadata/team-b"},
		{"LIST", "/v1/secret/metadata/team-b/"},
		{http.MethodGet, "/v1/secret/metadata/team-b?list=true"},
		{http.MethodGet, "/v1/secret/metadata/team-b/?list=true"},
	} {
		resp, body := rawRequest(t, n, tc.method, tc.path, tok, "")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s %s: %s", tc.method, tc.path, body)
	}
	resp, body := rawRequest(t, n, "LIST", "/v1/secret/metadata/", tok, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)

	appTok, _ := createToken(t, root, "app-lister")
	for _, tc := range []struct{ method, path string }{
		{"LIST", "/v1/secret/metadata/app"},
		{http.MethodGet, "/v1/secret/metadata/app?list=true"},
	} {
		resp, body := rawRequest(t, n, tc.method, tc.path, appTok, "")
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", tc.method, tc.path, body)
		assert.Contains(t, body, `"y"`)
	}
}
