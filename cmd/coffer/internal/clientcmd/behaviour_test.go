package clientcmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const kvFooResponse = `{"request_id":"r1","lease_id":"","lease_duration":0,"renewable":false,"data":{
	"data":{"password":"hunter2","user":"admin"},
	"metadata":{"created_time":"2024-01-01T00:00:00Z","custom_metadata":null,"deletion_time":"","destroyed":false,"version":3}}}`

func TestKVGetTable(t *testing.T) {
	f := newFakeServer(t)
	f.canned["GET /v1/secret/data/foo"] = cannedResp{200, kvFooResponse}
	out, stderr, code := runCLI("", "kv", "get", "secret/foo")
	require.Equal(t, 0, code, stderr)
	want := "" +
		"= Secret Path =\n" +
		"secret/data/foo\n" +
		"\n" +
		"======= Metadata =======\n" +
		"Key                Value\n" +
		"---                -----\n" +
		"created_time       2024-01-01T00:00:00Z\n" +
		"custom_metadata    <nil>\n" +
		"deletion_time      n/a\n" +
		"destroyed          false\n" +
		"version            3\n" +
		"\n" +
		"====== Data ======\n" +
		"Key         Value\n" +
		"---         -----\n" +
		"password    hunter2\n" +
		"user        admin\n"
	assert.Equal(t, want, out)
}

func TestKVGetFieldAndJSON(t *testing.T) {
	f := newFakeServer(t)
	f.canned["GET /v1/secret/data/foo"] = cannedResp{200, kvFooResponse}

	out, _, code := runCLI("", "kv", "get", "-field=password", "secret/foo")
	assert.Equal(t, 0, code)
	assert.Equal(t, "hunter2", out)

	out, _, code = runCLI("", "kv", "get", "-format=json", "secret/foo")
	assert.Equal(t, 0, code)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	assert.Equal(t, "r1", s["request_id"])
	assert.Equal(t, "hunter2", s["data"].(map[string]any)["data"].(map[string]any)["password"])

	t.Setenv("COFFER_FORMAT", "json")
	out, _, _ = runCLI("", "kv", "get", "-field=version", "secret/foo")
	assert.Equal(t, "", out, "version is not a data key")
	out, _, _ = runCLI("", "kv", "get", "-field=user", "secret/foo")
	assert.Equal(t, "\"admin\"\n", out, "with -format=json the field is JSON")
}

func TestKVPutTable(t *testing.T) {
	f := newFakeServer(t)
	f.canned["PUT /v1/secret/data/foo"] = cannedResp{200,
		`{"data":{"created_time":"2024-01-01T00:00:00Z","custom_metadata":null,"deletion_time":"","destroyed":false,"version":1}}`}
	out, stderr, code := runCLI("", "kv", "put", "secret/foo", "a=b")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(out, "= Secret Path =\nsecret/data/foo\n\n======= Metadata =======\nKey                Value\n"), out)
	assert.Contains(t, out, "version            1\n")
}

func TestErrorsLookLikeVault(t *testing.T) {
	f := newFakeServer(t)
	f.canned["PUT /v1/secret/data/foo"] = cannedResp{403, `{"errors":["permission denied"]}`}
	out, stderr, code := runCLI("", "kv", "put", "secret/foo", "a=b")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "Error writing data to secret/data/foo: Error making API request.\n\n"+
		"URL: PUT "+f.URL+"/v1/secret/data/foo\n"+
		"Code: 403. Errors:\n\n"+
		"* permission denied\n", stderr)
}

func TestNotFound(t *testing.T) {
	f := newFakeServer(t)
	f.canned["GET /v1/secret/data/nope"] = cannedResp{404, `{"errors":[]}`}
	_, stderr, code := runCLI("", "kv", "get", "secret/nope")
	assert.Equal(t, 2, code)
	assert.Equal(t, "No value found at secret/data/nope\n", stderr)
}

func TestUsageErrors(t *testing.T) {
	newFakeServer(t)
	for _, args := range [][]string{
		{"kv", "get"},
		{"kv", "get", "a", "b"},
		{"kv", "get", "-nosuchflag", "a"},
		{"kv", "put", "secret/foo"},
		{"kv", "undelete", "secret/foo"},
		{"write", "secret/foo"},
		{"write", "secret/foo", "novalue"},
		{"token", "revoke"},
		{"status", "-format=yaml"},
	} {
		_, stderr, code := runCLI("", args...)
		assert.Equal(t, 1, code, "%v: %s", args, stderr)
		assert.NotEmpty(t, stderr, "%v", args)
	}
	_, stderr, _ := runCLI("", "kv", "get")
	assert.Equal(t, "Error: Not enough arguments (expected 1, got 0)\n", stderr)
}

func TestListOutput(t *testing.T) {
	f := newFakeServer(t)
	out, _, code := runCLI("", "list", "secret/metadata")
	assert.Equal(t, 0, code)
	assert.Equal(t, "Keys\n----\na\nb/\n", out)

	out, _, code = runCLI("", "kv", "list", "-format=json", "secret")
	assert.Equal(t, 0, code)
	assert.JSONEq(t, `["b/","a"]`, out)

	f.canned["GET /v1/secret/metadata/empty?list=true"] = cannedResp{404, `{"errors":[]}`}
	_, stderr, code := runCLI("", "kv", "list", "secret/empty")
	assert.Equal(t, 2, code)
	assert.Equal(t, "No value found at secret/metadata/empty\n", stderr)
}

func TestKVMetadataGetTable(t *testing.T) {
	f := newFakeServer(t)
	f.canned["GET /v1/secret/metadata/foo"] = cannedResp{200, `{"data":{
		"cas_required":false,"current_version":2,"max_versions":0,"oldest_version":0,"delete_version_after":"0s",
		"versions":{"10":{"destroyed":true},"2":{"destroyed":false}}}}`}
	out, stderr, code := runCLI("", "kv", "metadata", "get", "secret/foo")
	require.Equal(t, 0, code, stderr)
	want := "" +
		"== Metadata Path ==\n" +
		"secret/metadata/foo\n" +
		"\n" +
		"========== Metadata ==========\n" +
		"Key                     Value\n" +
		"---                     -----\n" +
		"cas_required            false\n" +
		"current_version         2\n" +
		"delete_version_after    0s\n" +
		"max_versions            0\n" +
		"oldest_version          0\n" +
		"\n" +
		"==== Version 2 ====\n" +
		"Key          Value\n" +
		"---          -----\n" +
		"destroyed    false\n" +
		"\n" +
		"=== Version 10 ===\n" +
		"Key          Value\n" +
		"---          -----\n" +
		"destroyed    true\n"
	assert.Equal(t, want, out)
}

func TestStatus(t *testing.T) {
	f := newFakeServer(t)
	f.canned["GET /v1/sys/seal-status"] = cannedResp{200,
		`{"type":"shamir","initialized":true,"sealed":true,"t":3,"n":5,"progress":1,"nonce":"n1","version":"0.1.0"}`}
	f.canned["GET /v1/sys/leader"] = cannedResp{503, `{"errors":["Vault is sealed"]}`}
	out, stderr, code := runCLI("", "status")
	assert.Equal(t, 2, code, "sealed exits 2")
	assert.Empty(t, stderr)
	want := "" +
		"Key                Value\n" +
		"---                -----\n" +
		"Seal Type          shamir\n" +
		"Initialized        true\n" +
		"Sealed             true\n" +
		"Total Shares       5\n" +
		"Threshold          3\n" +
		"Unseal Progress    1/3\n" +
		"Unseal Nonce       n1\n" +
		"Version            0.1.0\n" +
		"Build Date         n/a\n" +
		"Storage Type       ledger\n" +
		"HA Enabled         false\n"
	assert.Equal(t, want, out)

	out, _, code = runCLI("", "status", "-format=json")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, `"storage_type": "ledger"`)
	assert.Contains(t, out, `"ha_enabled": false`)
}

func TestStatusUnreachable(t *testing.T) {
	newFakeServer(t)
	t.Setenv("COFFER_ADDR", "http://127.0.0.1:1")
	_, stderr, code := runCLI("", "status")
	assert.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(stderr, "Error checking seal status: "), stderr)
}

func TestTokenCreateOutput(t *testing.T) {
	f := newFakeServer(t)
	f.canned["POST /v1/auth/token/create"] = cannedResp{200, `{"auth":{"client_token":"hvs.new","accessor":"acc",
		"policies":["default"],"token_policies":["default"],"lease_duration":3600,"renewable":true}}`}
	out, _, code := runCLI("", "token", "create", "-field=token")
	assert.Equal(t, 0, code)
	assert.Equal(t, "hvs.new", out)

	out, _, code = runCLI("", "token", "create")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "token                hvs.new\n")
	assert.Contains(t, out, "token_duration       1h\n")
}

func TestSuccessMessages(t *testing.T) {
	newFakeServer(t)
	for args, want := range map[string]string{
		"kv delete secret/foo":               "Success! Data deleted (if it existed) at: secret/data/foo\n",
		"kv undelete -versions=1 secret/foo": "Success! Data written to: secret/undelete/foo\n",
		"write secret/x a=b":                 "Success! Data written to: secret/x\n",
		"secrets enable -path=kv2 kv":        "Success! Enabled the kv secrets engine at: kv2/\n",
		"secrets disable kv2":                "Success! Disabled the secrets engine (if it existed) at: kv2/\n",
		"policy write dev -":                 "Success! Uploaded policy: dev\n",
		"token revoke -self":                 "Success! Revoked token (if it existed)\n",
	} {
		out, stderr, code := runCLI(`path "x" {}`, strings.Fields(args)...)
		assert.Equal(t, 0, code, "%s: %s", args, stderr)
		assert.Equal(t, want, out, args)
	}
}

func TestSecretsListTable(t *testing.T) {
	newFakeServer(t)
	out, _, code := runCLI("", "secrets", "list")
	assert.Equal(t, 0, code)
	assert.Equal(t, "Path       Type    Accessor    Description\n"+
		"----       ----    --------    -----------\n"+
		"secret/    kv      kv_1        n/a\n", out)
}
