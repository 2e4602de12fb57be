package gateway_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

// tailBackend echoes the variable after "tail/" (declared opaque) or
// "seg/" (not).
func tailBackend(framework.MountInfo) (*framework.Backend, error) {
	echo := map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: func(req *framework.Request) (*framework.Response, error) {
		return &framework.Response{Raw: []byte(req.Vars["req"]), RawContentType: "text/plain"}, nil
	}}
	return &framework.Backend{
		Paths: []*framework.Path{
			{Pattern: "tail/(?P<req>.+)", Unauthenticated: true, Operations: echo},
			{Pattern: "seg/(?P<req>.+)", Unauthenticated: true, Operations: echo},
		},
		OpaqueTails: []string{"tail/"},
	}, nil
}

// TestOpaqueTail: after a declared prefix the rest of the path is data
// (an OCSP GET's URL-encoded base64: %2F, "//"); before it, and on any
// other path, encoded slashes and empty segments are refused as before,
// and no tail may carry NUL or control characters.
func TestOpaqueTail(t *testing.T) {
	srv := serveMount(t, "tail", tailBackend)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/v1/raw/" + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	for path, want := range map[string]string{
		"tail/MEow%2FAB%2B%3D": "MEow/AB+=",
		"tail/ab//cd":          "ab//cd",
		"tail//lead":           "/lead",
		"tail/a%2F..%2Fb":      "a/../b",
	} {
		code, body := get(path)
		require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
		assert.Equal(t, want, body, path)
	}
	for _, path := range []string{
		"seg/a%2Fb", "seg/a//b", "x%2F/tail/a", "x//tail/a", "tail/a%00b", "tail/a%0Ab",
	} {
		code, body := get(path)
		assert.Equal(t, http.StatusBadRequest, code, "%s: %s", path, body)
	}
}
