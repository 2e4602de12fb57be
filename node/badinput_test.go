package node

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBadInputGetsClearErrors(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	const tok = "root-token"
	for _, tc := range []struct {
		name, method, path, token, body string
		headers                         []string
		status                          int
		contains                        string
	}{
		{name: "malformed json", method: "POST", path: "/v1/secret/data/x", token: tok, body: `{"data":`, status: 400, contains: "malformed JSON"},
		{name: "body not an object", method: "POST", path: "/v1/secret/data/x", token: tok, body: `[1,2]`, status: 400, contains: "JSON object"},
		{name: "too deep", method: "POST", path: "/v1/secret/data/x", token: tok, body: strings.Repeat(`{"a":`, 400) + "1" + strings.Repeat("}", 400), status: 400, contains: "nested deeper"},
		{name: "dot dot", method: "GET", path: "/v1/secret/data/../../sys/policy/root", token: tok, status: 400, contains: "invalid path"},
		{name: "encoded dot dot", method: "GET", path: "/v1/secret/data/%2e%2e/x", token: tok, status: 400, contains: "invalid path"},
		{name: "encoded slash", method: "GET", path: "/v1/secret/data%2fx", token: tok, status: 400, contains: "invalid path"},
		{name: "empty segment", method: "GET", path: "/v1/secret//data/x", token: tok, status: 400, contains: "invalid path"},
		{name: "nul", method: "GET", path: "/v1/secret/data/x%00", token: tok, status: 400, contains: "invalid path"},
		{name: "no token", method: "GET", path: "/v1/secret/data/x", status: 403, contains: "permission denied"},
		{name: "bad token", method: "GET", path: "/v1/secret/data/x", token: "hvs.nope", status: 403, contains: "permission denied"},
		{name: "unknown mount", method: "GET", path: "/v1/nowhere/x", token: tok, status: 404, contains: "no handler for route"},
		{name: "unknown method", method: "TRACE", path: "/v1/secret/data/x", token: tok, status: 405},
		{name: "not v1", method: "GET", path: "/v2/secret", token: tok, status: 404},
		{name: "wrong field type", method: "POST", path: "/v1/auth/token/create", token: tok, body: `{"ttl":{"a":1}}`, status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawRequest(t, n, tc.method, tc.path, tc.token, tc.body, tc.headers...)
			require.Equal(t, tc.status, resp.StatusCode, body)
			if tc.contains != "" {
				require.Contains(t, body, tc.contains)
			}
			if resp.StatusCode >= 400 && tc.method != "TRACE" {
				require.Contains(t, body, `"errors"`)
			}
		})
	}
}

func TestOversizedBodyIs413AndLosesNothing(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	_, err := c.Logical().Write("secret/data/keep", map[string]any{"data": map[string]any{"v": "1"}})
	require.NoError(t, err)
	big := `{"data":{"v":"` + strings.Repeat("a", 33<<20) + `"}}`
	resp, body := rawRequest(t, n, "POST", "/v1/secret/data/keep", "root-token", big)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, body)
	s, err := c.Logical().Read("secret/data/keep")
	require.NoError(t, err)
	require.Equal(t, "1", s.Data["data"].(map[string]any)["v"])
}

func TestListVerbQueryAndBearer(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	_, err := c.Logical().Write("secret/data/dir/a", map[string]any{"data": map[string]any{"v": "1"}})
	require.NoError(t, err)
	for _, tc := range []struct{ method, path string }{
		{"LIST", "/v1/secret/metadata/dir"},
		{"GET", "/v1/secret/metadata/dir?list=true"},
		{"LIST", "/v1/secret/metadata/dir/"},
	} {
		resp, body := rawRequest(t, n, tc.method, tc.path, "", "", "Authorization", "Bearer root-token")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Contains(t, body, `"keys":["a"]`)
	}
}
