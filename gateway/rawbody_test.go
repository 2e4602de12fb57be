package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
)

// rawBackend echoes what the gateway handed it: "raw" takes DER OCSP
// requests as sent, "json" takes only JSON, "nonce" answers with a
// header (as ACME's new-nonce does).
func rawBackend(framework.MountInfo) (*framework.Backend, error) {
	echo := func(req *framework.Request) (*framework.Response, error) {
		out := append([]byte(nil), req.RawBody...)
		if req.Data != nil {
			out = append(out, []byte("|data:"+req.Data["k"].(string))...)
		}
		return &framework.Response{Raw: out, RawContentType: "application/octet-stream"}, nil
	}
	ops := map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: echo}
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: "raw", Unauthenticated: true, RawBody: []string{"application/ocsp-request"}, TakesArbitraryInput: true, Operations: ops},
		{Pattern: "json", Unauthenticated: true, TakesArbitraryInput: true, Operations: ops},
		{Pattern: "nonce", Unauthenticated: true, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation: func(*framework.Request) (*framework.Response, error) {
				return &framework.Response{StatusCode: http.StatusNoContent, Raw: []byte{}, Headers: http.Header{"Replay-Nonce": {"n0nce"}}}, nil
			},
		}},
	}}, nil
}

// TestRawBodyAndHeadHeaders: a path declaring a media type gets the body
// as sent (binary, not JSON); the same type on a path that does not
// declare it is decoded as JSON as before; the size limit holds for raw
// bodies; and HEAD keeps a handler's headers.
func TestRawBodyAndHeadHeaders(t *testing.T) {
	srv := serveMount(t, "raw", rawBackend)
	do := func(method, path, ct string, body []byte) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/v1/raw/"+path, bytes.NewReader(body))
		require.NoError(t, err)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, b
	}
	der := []byte{0x30, 0x03, 0x02, 0x01, 0x00, '{', 0xff}
	resp, body := do("POST", "raw", "application/ocsp-request", der)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, der, body, "the body arrives byte for byte")

	resp, body = do("POST", "raw", "application/json", []byte(`{"k":"v"}`))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "|data:v", string(body), "a JSON body to a raw path is still JSON")

	resp, body = do("POST", "json", "application/ocsp-request", der)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a path that does not declare the type decodes it as JSON: %s", body)
	resp, body = do("POST", "json", "application/octet-stream", []byte(`{"k":"w"}`))
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "|data:w", string(body), "JSON under another type still works where raw is not declared")

	resp, _ = do("POST", "raw", "application/ocsp-request", bytes.Repeat([]byte{0x30}, 65))
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "the body limit holds for raw bodies")

	resp, body = do("HEAD", "nonce", "", nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "n0nce", resp.Header.Get("Replay-Nonce"), "HEAD keeps the handler's headers")
	assert.Empty(t, body)
}

// serveMount runs a gateway whose one mount, "raw/", is built by factory,
// with a root ACL and small body limits.
func serveMount(t *testing.T, typ string, factory framework.Factory) *httptest.Server {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{})
	gw := gateway.New(gateway.Config{
		Deps: env.Deps,
		Mounts: func(path string) (gateway.Mount, string, bool) {
			rel, ok := strings.CutPrefix(path, "raw/")
			return gateway.Mount{Path: "raw/", Type: typ, Accessor: "raw_1"}, rel, ok
		},
		ACL:       func([]string) (*acl.ACL, error) { return acl.NewRoot(), nil },
		Tokens:    rootTokens{},
		Factories: map[string]framework.Factory{typ: factory},
		Limits:    gateway.Limits{MaxBodyBytes: 64, MaxJSONDepth: 10, MaxStringBytes: 64, MaxObjectEntries: 10, MaxArrayElements: 10},
		Log:       testkit.Log(),
	})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv
}
