package node

import (
	"net/http"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testpg"
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

// TestEveryRoutedRequestIsAudited: item 8. An unknown mount, an unknown
// path inside a mount and an X-Vault-Index 412 (after authorisation, when
// a num_uses use is spent) each leave a request and a response record.
func TestEveryRoutedRequestIsAudited(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	require.NoError(t, root.Sys().PutPolicy("narrow", `path "secret/data/app/*" { capabilities = ["read"] }`))
	narrow, _ := createToken(t, root, "narrow")
	probes := []struct {
		method, path, token string
		status              int
		header              []string
	}{
		{http.MethodGet, "/v1/nomount/probe-a", "root-token", http.StatusNotFound, nil},
		{http.MethodGet, "/v1/secret/nosuchroute/probe-b", "root-token", http.StatusNotFound, nil},
		{http.MethodGet, "/v1/nomount/probe-c", narrow, http.StatusForbidden, nil},
		{http.MethodGet, "/v1/nomount/probe-d", "", http.StatusForbidden, nil},
		{http.MethodGet, "/v1/secret/data/probe-e", "root-token", http.StatusPreconditionFailed, []string{"X-Vault-Index", "99999999"}},
	}
	for _, p := range probes {
		resp, body := rawRequest(t, n, p.method, p.path, p.token, "", p.header...)
		require.Equal(t, p.status, resp.StatusCode, "%s: %s", p.path, body)
	}
	recs := readAudit(t, n)
	for _, p := range probes {
		want := p.path[len("/v1/"):]
		var req, resp int
		for _, r := range recs {
			if r.Request.Path != want {
				continue
			}
			switch r.Type {
			case "request":
				req++
			case "response":
				resp++
				assert.NotEmpty(t, r.Error, "%s: the response record says why", want)
			}
		}
		assert.Equal(t, 1, req, "%s: request records", want)
		assert.Equal(t, 1, resp, "%s: response records", want)
	}
}

// TestEventsHashBearerMaterial: item 7. A subscriber without sudo sees
// the accessor of the token that caused an event (root's among them) as
// its audit HMAC; root sees it as it is.
func TestEventsHashBearerMaterial(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	require.NoError(t, root.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`))
	tok, _ := createToken(t, root, "app")
	rootSelf, err := root.Auth().Token().LookupSelf()
	require.NoError(t, err)
	rootAccessor, _ := rootSelf.Data["accessor"].(string)
	require.NotEmpty(t, rootAccessor)
	hash, err := root.Sys().AuditHash("file", rootAccessor)
	require.NoError(t, err)

	low := openSSE(t, n, tok, "*", nil, "")
	low.ready(t)
	high := openSSE(t, n, "root-token", "kv-v2/*", nil, "")
	high.ready(t)
	putIndexed(t, n, "root-token", "app/a", map[string]any{"v": "x"})

	seen := low.nextEvent(t)
	assert.NotContains(t, seen.data, rootAccessor, "the root token's accessor reached a subscriber without sudo")
	assert.Equal(t, hash, seen.cloud(t).Data.Actor)
	assert.Equal(t, rootAccessor, high.nextEvent(t).cloud(t).Data.Actor)
}

// TestLeaseEventsAndOwnership: items 6 and 14. A subscriber that may read
// a creds path sees its leases' events with the lease id HMAC'd; the
// holder of a lease receives its events even once its policy no longer
// covers the path; only the holder (or an explicit grant outside the
// default policy) renews or revokes it, and sys/renew is gone from the
// default policy.
func TestLeaseEventsAndOwnership(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	root := clientFor(t, n, "root")
	setupDatabase(t, root, pg, "1h", "24h")
	require.NoError(t, root.Sys().PutPolicy("creds", `path "database/creds/myapp-readwrite" { capabilities = ["read"] }`))
	require.NoError(t, root.Sys().PutPolicy("kv-only", `path "secret/data/x" { capabilities = ["read"] }`))
	require.NoError(t, root.Sys().PutPolicy("lease-admin", `path "sys/leases/renew" { capabilities = ["update"] }`))
	holder, _ := createToken(t, root, "creds")
	other, _ := createToken(t, root, "creds")
	admin, _ := createToken(t, root, "lease-admin")

	watcher := openSSE(t, n, other, "*", nil, "")
	watcher.ready(t)
	cr := readCreds(t, clientFor(t, n, holder), "myapp-readwrite")
	hash, err := root.Sys().AuditHash("file", cr.leaseID)
	require.NoError(t, err)
	ev := watcher.nextEvent(t)
	require.Equal(t, "database/creds-create", ev.event)
	assert.NotContains(t, ev.data, cr.leaseID, "a raw lease id reached another token's subscription")
	assert.Equal(t, hash, ev.cloud(t).Data.Event.Metadata["lease_id"])

	// Knowing the id is not enough to renew it.
	for _, path := range []string{"/v1/sys/leases/renew", "/v1/sys/renew"} {
		resp, body := rawRequest(t, n, http.MethodPut, path, other, `{"lease_id":"`+cr.leaseID+`"}`)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", path, body)
	}
	resp, body := rawRequest(t, n, http.MethodPut, "/v1/sys/leases/revoke", other, `{"lease_id":"`+cr.leaseID+`"}`)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = rawRequest(t, n, http.MethodPut, "/v1/sys/leases/renew", holder, `{"lease_id":"`+cr.leaseID+`"}`)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	resp, body = rawRequest(t, n, http.MethodPut, "/v1/sys/leases/renew", admin, `{"lease_id":"`+cr.leaseID+`"}`)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)

	// The holder follows its lease even without read on its path.
	own := openSSE(t, n, holder, "*", nil, "")
	own.ready(t)
	require.NoError(t, root.Sys().PutPolicy("creds", `path "secret/data/x" { capabilities = ["read"] }`))
	require.NoError(t, root.Sys().Revoke(cr.leaseID))
	m := own.nextEvent(t)
	for m.event != "lease/revoked" {
		m = own.nextEvent(t)
	}
	assert.Equal(t, cr.leaseID, m.cloud(t).Data.Event.Metadata["lease_id"], "its own lease id is no secret to the holder")
}

// TestOversizedPathsAre400: item 14, through the API: a 500 KB KV key is
// answered at once with 400 and a clear message, and leaves no record.
func TestOversizedPathsAre400(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	huge := strings.Repeat("k", 500<<10)
	start := time.Now()
	resp, body := rawRequest(t, n, http.MethodPost, "/v1/secret/data/"+huge, "root-token", `{"data":{"v":"1"}}`)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, "path too long")
	assert.Less(t, time.Since(start), 2*time.Second)
	for _, r := range readAudit(t, n) {
		assert.NotContains(t, r.Request.Path, huge[:1000])
	}
	resp, body = rawRequest(t, n, http.MethodGet, "/v1/secret/data/"+strings.Repeat("a/", 200)+"x", "root-token", "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	assert.Contains(t, body, "segments")
	long := strings.Repeat("n", 3000)
	putIndexed(t, n, "root-token", long, map[string]any{"v": "1"})
}

// TestPolicyNamesMustBeCanonical: item 5. A deny on
// sys/policies/acl/admin covers every spelling of the name, because the
// other spellings are refused.
func TestPolicyNamesMustBeCanonical(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	const adminText = `path "secret/*" { capabilities = ["read"] }`
	require.NoError(t, root.Sys().PutPolicy("admin", adminText))
	require.NoError(t, root.Sys().PutPolicy("policy-editor", `
path "sys/policies/acl/*" { capabilities = ["create", "update", "read", "delete"] }
path "sys/policies/acl/admin" { capabilities = ["deny"] }
`))
	tok, _ := createToken(t, root, "policy-editor")
	for _, name := range []string{"ADMIN", "admin%20", "%20admin", "Admin"} {
		for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodGet} {
			resp, body := rawRequest(t, n, method, "/v1/sys/policies/acl/"+name, tok, `{"policy":"path \"*\" { capabilities = [\"sudo\",\"read\"] }"}`)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %s: %s", method, name, body)
		}
	}
	got, err := root.Sys().GetPolicy("admin")
	require.NoError(t, err)
	assert.Equal(t, adminText, got)
}
