package node

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/testauth"
)

// TestEveryPathDeclaresItsFields walks the path table of every module the
// node serves: each path declares its fields (an empty set is a
// declaration), so a body field it does not read is reported to the
// client, and each declared field has a type and a description.
func TestEveryPathDeclaresItsFields(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token", withTestAuth(testUsers))
	c := clientFor(t, n, "root-token")
	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	require.NoError(t, c.Sys().Mount("database", &vault.MountInput{Type: "database"}))
	require.NoError(t, c.Sys().Mount("kv1", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}))
	require.NoError(t, c.Sys().EnableAuthWithOptions("static", &vault.EnableAuthOptions{Type: testauth.Type}))
	for _, mount := range []string{"sys/", "auth/token/", "secret/", "transit/", "database/", "kv1/", "auth/static/"} {
		b, ok := n.mountBackend(mount)
		require.True(t, ok, mount)
		for _, p := range b.Paths {
			where := mount + p.Pattern
			if p.TakesArbitraryInput {
				continue
			}
			assert.NotNil(t, p.Fields, "%s declares no fields", where)
			assert.NotEmpty(t, p.Synopsis, "%s has no synopsis", where)
			for name, f := range p.Fields {
				assert.NotZero(t, f.Type, "%s: field %s has no type", where, name)
				assert.NotEmpty(t, f.Description, "%s: field %s has no description", where, name)
			}
		}
	}
}

// TestUnknownFieldsAreIgnoredWithAWarning: as Vault does, through its
// client.
func TestUnknownFieldsAreIgnoredWithAWarning(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	s, err := c.Logical().Write("secret/data/app", map[string]any{"data": map[string]any{"k": "v"}, "colour": "blue", "size": 3})
	require.NoError(t, err)
	assert.Equal(t, []string{"Endpoint ignored these unrecognized parameters: [colour size]"}, s.Warnings)

	// Declared fields are coerced as Vault coerces them: the CLI sends
	// "key=value" arguments as strings.
	s, err = c.Logical().Write("auth/token/create", map[string]any{"ttl": "90m", "renewable": "false", "num_uses": "3", "policies": "a, b"})
	require.NoError(t, err)
	assert.Equal(t, 5400, s.Auth.LeaseDuration)
	assert.False(t, s.Auth.Renewable)
	look, err := c.Auth().Token().Lookup(s.Auth.ClientToken)
	require.NoError(t, err)
	assert.Equal(t, json.Number("3"), look.Data["num_uses"])
	assert.Equal(t, []string{"a", "b", "default"}, s.Auth.Policies)
	_, err = c.Logical().Write("auth/token/create", map[string]any{"ttl": "soon"})
	requireStatus(t, err, http.StatusBadRequest)
	assert.ErrorContains(t, err, `Field validation failed: error converting input soon for field "ttl"`)
}

// TestHelpThroughVaultClient: ?help=1 answers with the path's help text
// and OpenAPI, as HashiCorp's client (and `vault path-help`) read it.
func TestHelpThroughVaultClient(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	h, err := c.Help("secret/data/app")
	require.NoError(t, err)
	assert.Contains(t, h.Help, "## PARAMETERS")
	assert.Contains(t, h.Help, "data (map)")
	assert.Contains(t, h.Help, "Write, Patch, Read, and Delete data in the Key-Value Store.")
	paths, _ := h.OpenAPI["paths"].(map[string]any)
	assert.Contains(t, paths, "/secret/data/{path}")

	mountHelp, err := c.Help("secret")
	require.NoError(t, err)
	assert.Contains(t, mountHelp.Help, "## PATHS")
	assert.Contains(t, mountHelp.Help, "^data/(?P<path>.*[^/])$")

	// Help needs a valid token (not any capability), as in Vault.
	anon := clientFor(t, n, "")
	anon.ClearToken()
	_, err = anon.Help("secret/data/app")
	requireStatus(t, err, http.StatusForbidden)
	require.NoError(t, c.Sys().PutPolicy("nothing", `path "other/*" { capabilities = ["read"] }`))
	tok, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"nothing"}})
	require.NoError(t, err)
	_, err = clientFor(t, n, tok.Auth.ClientToken).Help("secret/data/app")
	require.NoError(t, err)
	_, err = anon.Help("sys/health")
	require.NoError(t, err, "an unauthenticated path's help needs no token")
}

// TestOpenAPIDocument: sys/internal/specs/openapi documents the mounted
// paths the caller reaches, with Vault's extensions.
func TestOpenAPIDocument(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token", withTestAuth(testUsers))
	c := clientFor(t, n, "root-token")
	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	require.NoError(t, c.Sys().EnableAuthWithOptions("static", &vault.EnableAuthOptions{Type: testauth.Type}))
	doc := openAPI(t, n, "root-token")
	assert.Equal(t, "3.0.2", doc.Version)
	get := func(p string) *framework.OASPath {
		t.Helper()
		item, ok := doc.Paths[p]
		require.True(t, ok, "no %s in %v", p, keysOf(doc.Paths))
		return item
	}
	data := get("/secret/data/{path}")
	assert.NotNil(t, data.Get)
	assert.NotNil(t, data.Post)
	assert.NotNil(t, data.Patch)
	assert.NotNil(t, data.Delete)
	assert.True(t, data.CreateSupported)
	assert.Contains(t, data.Post.RequestBody.Content["application/json"].Schema.Properties, "data")
	assert.True(t, get("/sys/auth/{path}").Sudo)
	assert.False(t, get("/sys/auth").Sudo)
	assert.True(t, get("/sys/health").Unauthenticated)
	assert.True(t, get("/auth/static/login").Unauthenticated)
	assert.True(t, get("/auth/token/revoke-orphan").Sudo)
	assert.NotNil(t, get("/transit/encrypt/{name}").Post)
	assert.NotNil(t, get("/transit/keys/{name}/rotate").Post)
	assert.Contains(t, doc.Paths, "/transit/random")
	assert.Contains(t, doc.Paths, "/transit/random/{urlbytes}")

	// A token that reaches only the secret/ mount gets sys/ and secret/.
	require.NoError(t, c.Sys().PutPolicy("kv", `path "secret/*" { capabilities = ["read"] }`))
	tok, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"kv"}})
	require.NoError(t, err)
	limited := openAPI(t, n, tok.Auth.ClientToken)
	assert.Contains(t, limited.Paths, "/secret/data/{path}")
	for p := range limited.Paths {
		assert.False(t, strings.HasPrefix(p, "/transit/"), "%s is not the token's", p)
	}
	// Without a token: sys/ only.
	anon := openAPI(t, n, "")
	for p := range anon.Paths {
		assert.True(t, strings.HasPrefix(p, "/sys/"), "%s without a token", p)
	}
}

func openAPI(t *testing.T, n *Node, token string) framework.OpenAPI {
	t.Helper()
	resp, body := rawRequest(t, n, "GET", "/v1/sys/internal/specs/openapi", token, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var doc framework.OpenAPI
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	return doc
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
