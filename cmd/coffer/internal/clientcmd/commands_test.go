package clientcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// req builds an expected request; an empty body must stay empty, any other
// body is compared as JSON.
func req(method, path, body string) request { return request{Method: method, Path: path, Body: body} }

func preflight(p string) request { return req("GET", "/v1/sys/internal/ui/mounts/"+p, "") }

// TestRequests checks that each command sends exactly the HTTP requests the
// Vault CLI would: method, path, query and JSON body.
func TestRequests(t *testing.T) {
	policyFile := filepath.Join(t.TempDir(), "p.hcl")
	require.NoError(t, os.WriteFile(policyFile, []byte(`path "a" {}`), 0o600))

	// The api package joins paths with path.Join, so the trailing slash Vault
	// puts on mount and list paths never reaches the wire.
	tests := []struct {
		args  []string
		stdin string
		want  []request
	}{
		// kv put: preflight, then v2 wraps data and options.
		{args: []string{"kv", "put", "secret/foo", "a=b"}, want: []request{
			preflight("secret/foo"), req("PUT", "/v1/secret/data/foo", `{"data":{"a":"b"},"options":{}}`)}},
		{args: []string{"kv", "put", "-mount=secret", "-cas=0", "foo", "a=b"}, want: []request{
			preflight("secret"), req("PUT", "/v1/secret/data/foo", `{"data":{"a":"b"},"options":{"cas":0}}`)}},
		{args: []string{"kv", "put", "team/apps/db", "pw=-"}, stdin: "s3cret", want: []request{
			preflight("team/apps/db"), req("PUT", "/v1/team/apps/data/db", `{"data":{"pw":"s3cret"},"options":{}}`)}},
		{args: []string{"kv", "put", "kv1/foo", "a=b"}, want: []request{
			preflight("kv1/foo"), req("PUT", "/v1/kv1/foo", `{"a":"b"}`)}},
		{args: []string{"kv", "put", "secret/foo", "-"}, stdin: `{"n":1}`, want: []request{
			preflight("secret/foo"), req("PUT", "/v1/secret/data/foo", `{"data":{"n":1},"options":{}}`)}},
		// kv get / patch / list.
		{args: []string{"kv", "get", "-version=2", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("GET", "/v1/secret/data/foo?version=2", "")}},
		{args: []string{"kv", "get", "kv1/foo"}, want: []request{
			preflight("kv1/foo"), req("GET", "/v1/kv1/foo", "")}},
		{args: []string{"kv", "patch", "-cas=3", "secret/foo", "a=c"}, want: []request{
			preflight("secret/foo"), req("PATCH", "/v1/secret/data/foo", `{"data":{"a":"c"},"options":{"cas":3}}`)}},
		{args: []string{"kv", "patch", "-remove-data=a", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("PATCH", "/v1/secret/data/foo", `{"data":{"a":null},"options":{}}`)}},
		{args: []string{"kv", "patch", "-method=rw", "secret/foo", "c=d"}, want: []request{
			preflight("secret/foo"), req("GET", "/v1/secret/data/foo", ""),
			req("PUT", "/v1/secret/data/foo", `{"data":{"a":"b","c":"d"},"options":{"cas":1}}`)}},
		{args: []string{"kv", "list", "secret/"}, want: []request{
			preflight("secret"), req("GET", "/v1/secret/metadata?list=true", "")}},
		{args: []string{"kv", "list", "-mount=secret", "dir"}, want: []request{
			preflight("secret"), req("GET", "/v1/secret/metadata/dir?list=true", "")}},
		// kv delete / undelete / destroy.
		{args: []string{"kv", "delete", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("DELETE", "/v1/secret/data/foo", "")}},
		{args: []string{"kv", "delete", "-versions=1,2", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("PUT", "/v1/secret/delete/foo", `{"versions":["1","2"]}`)}},
		{args: []string{"kv", "delete", "kv1/foo"}, want: []request{
			preflight("kv1/foo"), req("DELETE", "/v1/kv1/foo", "")}},
		{args: []string{"kv", "undelete", "-versions=1", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("PUT", "/v1/secret/undelete/foo", `{"versions":["1"]}`)}},
		{args: []string{"kv", "destroy", "-versions=3", "-versions=4", "-mount=secret", "foo"}, want: []request{
			preflight("secret"), req("PUT", "/v1/secret/destroy/foo", `{"versions":["3","4"]}`)}},
		// kv metadata.
		{args: []string{"kv", "metadata", "get", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("GET", "/v1/secret/metadata/foo", "")}},
		{args: []string{"kv", "metadata", "put", "-max-versions=5", "-cas-required", "-delete-version-after=1h",
			"-custom-metadata=owner=me", "-custom-metadata=env=prod", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("PUT", "/v1/secret/metadata/foo",
				`{"max_versions":5,"cas_required":true,"delete_version_after":"1h0m0s","custom_metadata":{"owner":"me","env":"prod"}}`)}},
		{args: []string{"kv", "metadata", "put", "-cas-required=false", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("PUT", "/v1/secret/metadata/foo", `{"cas_required":false}`)}},
		{args: []string{"kv", "metadata", "delete", "secret/foo"}, want: []request{
			preflight("secret/foo"), req("DELETE", "/v1/secret/metadata/foo", "")}},
		// Generic path commands send paths verbatim.
		{args: []string{"read", "/secret/data/foo/"}, want: []request{req("GET", "/v1/secret/data/foo", "")}},
		{args: []string{"read", "sys/thing", "a=b"}, want: []request{req("GET", "/v1/sys/thing?a=b", "")}},
		{args: []string{"write", "secret/x", "a=1", "a=2", "p=@" + policyFile}, want: []request{
			req("PUT", "/v1/secret/x", `{"a":["1","2"],"p":"path \"a\" {}"}`)}},
		{args: []string{"write", "auth/token/create", "-"}, stdin: `{"ttl":"1h","policies":["a"]}`, want: []request{
			req("PUT", "/v1/auth/token/create", `{"ttl":"1h","policies":["a"]}`)}},
		{args: []string{"write", "-f", "sys/rotate"}, want: []request{req("PUT", "/v1/sys/rotate", `{}`)}},
		{args: []string{"list", "secret/metadata"}, want: []request{req("GET", "/v1/secret/metadata?list=true", "")}},
		{args: []string{"delete", "secret/foo"}, want: []request{req("DELETE", "/v1/secret/foo", "")}},
		// secrets.
		{args: []string{"secrets", "enable", "-path=kv2", "-version=2", "-description=team kv", "-max-lease-ttl=2h", "kv"}, want: []request{
			req("POST", "/v1/sys/mounts/kv2", `{"type":"kv","description":"team kv","local":false,"seal_wrap":false,
				"external_entropy_access":false,"options":{"version":"2"},
				"config":{"options":null,"default_lease_ttl":"","max_lease_ttl":"2h0m0s","force_no_cache":false}}`)}},
		{args: []string{"secrets", "enable", "-options=version=2", "kv"}, want: []request{
			req("POST", "/v1/sys/mounts/kv", `{"type":"kv","description":"","local":false,"seal_wrap":false,
				"external_entropy_access":false,"options":{"version":"2"},
				"config":{"options":null,"default_lease_ttl":"","max_lease_ttl":"","force_no_cache":false}}`)}},
		{args: []string{"secrets", "disable", "kv2"}, want: []request{req("DELETE", "/v1/sys/mounts/kv2", "")}},
		{args: []string{"secrets", "list", "-detailed"}, want: []request{req("GET", "/v1/sys/mounts", "")}},
		{args: []string{"kv", "enable-versioning", "kv1"}, want: []request{
			req("POST", "/v1/sys/mounts/kv1/tune", `{"options":{"version":"2"}}`)}},
		{args: []string{"secrets", "enable", "-version=1", "-path=kv", "kv"}, want: []request{
			req("POST", "/v1/sys/mounts/kv", `{"type":"kv","description":"","config":{"default_lease_ttl":"","max_lease_ttl":"","force_no_cache":false,"options":null},"local":false,"seal_wrap":false,"external_entropy_access":false,"options":{"version":"1"}}`)}},
		{args: []string{"secrets", "tune", "-max-lease-ttl=2h", "-default-lease-ttl=30m", "-description=d", "secret"}, want: []request{
			req("POST", "/v1/sys/mounts/secret/tune", `{"max_lease_ttl":"2h0m0s","default_lease_ttl":"30m0s","description":"d"}`)}},
		// token.
		{args: []string{"token", "create", "-policy=a,b", "-policy=c", "-ttl=1h", "-explicit-max-ttl=2h", "-period=30m",
			"-use-limit=3", "-display-name=ci", "-metadata=team=x", "-renewable=false"}, want: []request{
			req("POST", "/v1/auth/token/create", `{"policies":["a","b","c"],"meta":{"team":"x"},"ttl":"1h0m0s",
				"explicit_max_ttl":"2h0m0s","period":"30m0s","display_name":"ci","num_uses":3,"renewable":false,
				"type":"","entity_alias":""}`)}},
		{args: []string{"token", "create", "-orphan"}, want: []request{
			req("POST", "/v1/auth/token/create-orphan", `{"no_parent":true,"display_name":"","num_uses":0,"renewable":true,"type":"","entity_alias":""}`)}},
		{args: []string{"token", "lookup"}, want: []request{req("GET", "/v1/auth/token/lookup-self", "")}},
		{args: []string{"token", "lookup", "tok"}, want: []request{req("POST", "/v1/auth/token/lookup", `{"token":"tok"}`)}},
		{args: []string{"token", "lookup", "-accessor", "acc"}, want: []request{
			req("POST", "/v1/auth/token/lookup-accessor", `{"accessor":"acc"}`)}},
		{args: []string{"token", "renew", "-increment=30m"}, want: []request{
			req("PUT", "/v1/auth/token/renew-self", `{"increment":1800}`)}},
		{args: []string{"token", "renew", "tok"}, want: []request{
			req("PUT", "/v1/auth/token/renew", `{"token":"tok","increment":0}`)}},
		{args: []string{"token", "revoke", "tok"}, want: []request{req("PUT", "/v1/auth/token/revoke", `{"token":"tok"}`)}},
		{args: []string{"token", "revoke", "-mode=orphan", "tok"}, want: []request{
			req("PUT", "/v1/auth/token/revoke-orphan", `{"token":"tok"}`)}},
		{args: []string{"token", "revoke", "-accessor", "acc"}, want: []request{
			req("POST", "/v1/auth/token/revoke-accessor", `{"accessor":"acc"}`)}},
		{args: []string{"token", "revoke", "-self"}, want: []request{req("PUT", "/v1/auth/token/revoke-self", "")}},
		// policy.
		{args: []string{"policy", "write", "Dev", policyFile}, want: []request{
			req("PUT", "/v1/sys/policies/acl/dev", `{"policy":"path \"a\" {}"}`)}},
		{args: []string{"policy", "write", "dev", "-"}, stdin: "path \"b\" {}\n", want: []request{
			req("PUT", "/v1/sys/policies/acl/dev", `{"policy":"path \"b\" {}\n"}`)}},
		{args: []string{"policy", "read", "dev"}, want: []request{req("GET", "/v1/sys/policies/acl/dev", "")}},
		{args: []string{"policy", "list"}, want: []request{req("GET", "/v1/sys/policies/acl?list=true", "")}},
		{args: []string{"policy", "delete", "dev"}, want: []request{req("DELETE", "/v1/sys/policies/acl/dev", "")}},
		// status.
		{args: []string{"status"}, want: []request{
			req("GET", "/v1/sys/seal-status", ""), req("GET", "/v1/sys/health", ""), req("GET", "/v1/sys/leader", "")}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f := newFakeServer(t)
			_, stderr, code := runCLI(tt.stdin, tt.args...)
			require.Equal(t, 0, code, "stderr: %s", stderr)
			got := f.requests()
			require.Len(t, got, len(tt.want), "requests: %+v", got)
			for i, w := range tt.want {
				assert.Equal(t, w.Method, got[i].Method, "request %d", i)
				assert.Equal(t, w.Path, got[i].Path, "request %d", i)
				if w.Body == "" {
					assert.Empty(t, got[i].Body, "request %d body", i)
				} else {
					assert.JSONEq(t, w.Body, got[i].Body, "request %d body", i)
				}
			}
		})
	}
}

func TestTokenAndAddressSources(t *testing.T) {
	f := newFakeServer(t)

	// COFFER_TOKEN beats VAULT_TOKEN.
	t.Setenv("COFFER_TOKEN", "coffer-token")
	_, _, code := runCLI("", "token", "lookup")
	require.Equal(t, 0, code)

	// Without either variable the ~/.vault-token file is used.
	t.Setenv("COFFER_TOKEN", "")
	t.Setenv("VAULT_TOKEN", "")
	require.NoError(t, os.WriteFile(filepath.Join(os.Getenv("HOME"), ".vault-token"), []byte("file-token\n"), 0o600))
	_, _, code = runCLI("", "token", "lookup")
	require.Equal(t, 0, code)

	// -address beats COFFER_ADDR.
	t.Setenv("COFFER_ADDR", "http://127.0.0.1:1")
	_, _, code = runCLI("", "token", "lookup", "-address="+f.URL)
	require.Equal(t, 0, code)

	var seen []string
	for _, r := range f.requests() {
		seen = append(seen, r.Token)
	}
	assert.Equal(t, []string{"coffer-token", "file-token", "file-token"}, seen)
}
