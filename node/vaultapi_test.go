package node

import (
	"context"
	"errors"
	"net/http"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

// These tests drive a node through HashiCorp's own Go client: if the
// client accepts our answers, existing Vault users can switch.

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *vault.ResponseError
	require.True(t, errors.As(err, &re), "want a %d response error, got %v", status, err)
	require.Equal(t, status, re.StatusCode, "errors: %v", re.Errors)
}

func TestKVv2ThroughVaultClient(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	ctx := context.Background()
	kv := c.KVv2("secret")

	s, err := kv.Put(ctx, "myapp/db", map[string]any{"password": "one"})
	require.NoError(t, err)
	require.Equal(t, 1, s.VersionMetadata.Version)
	_, err = kv.Put(ctx, "myapp/db", map[string]any{"password": "two", "user": "app"})
	require.NoError(t, err)

	got, err := kv.Get(ctx, "myapp/db")
	require.NoError(t, err)
	require.Equal(t, "two", got.Data["password"])
	require.Equal(t, 2, got.VersionMetadata.Version)

	v1, err := kv.GetVersion(ctx, "myapp/db", 1)
	require.NoError(t, err)
	require.Equal(t, "one", v1.Data["password"])

	patched, err := kv.Patch(ctx, "myapp/db", map[string]any{"user": "admin"})
	require.NoError(t, err)
	require.Equal(t, 3, patched.VersionMetadata.Version)
	got, err = kv.Get(ctx, "myapp/db")
	require.NoError(t, err)
	require.Equal(t, "admin", got.Data["user"])
	require.Equal(t, "two", got.Data["password"])

	// cas: a stale check-and-set is refused, a current one accepted.
	_, err = kv.Put(ctx, "myapp/db", map[string]any{"password": "x"}, vault.WithCheckAndSet(1))
	requireStatus(t, err, http.StatusBadRequest)
	_, err = kv.Put(ctx, "myapp/db", map[string]any{"password": "four"}, vault.WithCheckAndSet(3))
	require.NoError(t, err)

	require.NoError(t, kv.PutMetadata(ctx, "myapp/db", vault.KVMetadataPutInput{MaxVersions: 10, CustomMetadata: map[string]any{"owner": "team-a"}}))
	md, err := kv.GetMetadata(ctx, "myapp/db")
	require.NoError(t, err)
	require.Equal(t, 4, md.CurrentVersion)
	require.Equal(t, 10, md.MaxVersions)
	require.Equal(t, "team-a", md.CustomMetadata["owner"])
	require.Len(t, md.Versions, 4)

	require.NoError(t, kv.Delete(ctx, "myapp/db"))
	deleted, err := kv.Get(ctx, "myapp/db")
	require.NoError(t, err, "Vault answers a deleted version with 404 and its metadata")
	require.Nil(t, deleted.Data, "the latest version is deleted")
	require.False(t, deleted.VersionMetadata.DeletionTime.IsZero())
	require.NoError(t, kv.Undelete(ctx, "myapp/db", []int{4}))
	got, err = kv.Get(ctx, "myapp/db")
	require.NoError(t, err)
	require.Equal(t, "four", got.Data["password"])

	require.NoError(t, kv.DeleteVersions(ctx, "myapp/db", []int{2}))
	require.NoError(t, kv.Destroy(ctx, "myapp/db", []int{1}))
	md, err = kv.GetMetadata(ctx, "myapp/db")
	require.NoError(t, err)
	require.True(t, md.Versions["1"].Destroyed)
	require.False(t, md.Versions["2"].DeletionTime.IsZero())
	destroyed, err := kv.GetVersion(ctx, "myapp/db", 1)
	require.NoError(t, err)
	require.Nil(t, destroyed.Data, "a destroyed version is gone")
	require.True(t, destroyed.VersionMetadata.Destroyed)

	list, err := c.Logical().List("secret/metadata/myapp")
	require.NoError(t, err)
	require.Equal(t, []any{"db"}, list.Data["keys"])

	require.NoError(t, kv.DeleteMetadata(ctx, "myapp/db"))
	_, err = kv.GetMetadata(ctx, "myapp/db")
	require.Error(t, err)
	missing, err := c.Logical().Read("secret/data/never-written")
	require.NoError(t, err)
	require.Nil(t, missing, "a missing secret is a 404, which the client returns as nil")
}

func TestLogicalSysAndTokensThroughVaultClient(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	ctx := context.Background()

	require.NoError(t, c.Sys().Mount("team-kv", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	mounts, err := c.Sys().ListMounts()
	require.NoError(t, err)
	require.Contains(t, mounts, "team-kv/")
	require.Equal(t, "kv", mounts["team-kv/"].Type)

	_, err = c.Logical().Write("team-kv/data/app", map[string]any{"data": map[string]any{"k": "v"}})
	require.NoError(t, err)
	s, err := c.Logical().Read("team-kv/data/app")
	require.NoError(t, err)
	require.Equal(t, "v", s.Data["data"].(map[string]any)["k"])

	require.NoError(t, c.Sys().PutPolicy("app-read", `path "team-kv/data/app" { capabilities = ["read"] }`))
	pols, err := c.Sys().ListPolicies()
	require.NoError(t, err)
	require.Contains(t, pols, "app-read")
	require.Contains(t, pols, "default")
	text, err := c.Sys().GetPolicy("app-read")
	require.NoError(t, err)
	require.Contains(t, text, "team-kv/data/app")
	err = c.Sys().PutPolicy("broken", `path "x" { capabilities = ["reed"] }`)
	requireStatus(t, err, http.StatusBadRequest)

	secret, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app-read"}, TTL: "1h"})
	require.NoError(t, err)
	require.NotEmpty(t, secret.Auth.ClientToken)
	require.ElementsMatch(t, []string{"app-read", "default"}, secret.Auth.Policies)

	child := clientFor(t, n, secret.Auth.ClientToken)
	s, err = child.Logical().Read("team-kv/data/app")
	require.NoError(t, err)
	require.Equal(t, "v", s.Data["data"].(map[string]any)["k"])
	_, err = child.Logical().Write("team-kv/data/app", map[string]any{"data": map[string]any{"k": "w"}})
	requireStatus(t, err, http.StatusForbidden)
	_, err = child.Logical().Read("secret/data/anything")
	requireStatus(t, err, http.StatusForbidden)

	caps, err := c.Sys().CapabilitiesSelf("team-kv/data/app")
	require.NoError(t, err)
	require.Equal(t, []string{"root"}, caps)
	caps, err = child.Sys().CapabilitiesSelf("team-kv/data/app")
	require.NoError(t, err)
	require.Equal(t, []string{"read"}, caps)

	look, err := c.Auth().Token().Lookup(secret.Auth.ClientToken)
	require.NoError(t, err)
	require.Equal(t, secret.Auth.Accessor, look.Data["accessor"])
	self, err := child.Auth().Token().LookupSelf()
	require.NoError(t, err)
	ttl, err := self.TokenTTL()
	require.NoError(t, err)
	require.Greater(t, ttl.Seconds(), 3500.0)

	renewed, err := c.Auth().Token().Renew(secret.Auth.ClientToken, 7200)
	require.NoError(t, err)
	require.Greater(t, renewed.Auth.LeaseDuration, 3600)

	// A child cannot be given a policy its parent lacks.
	_, err = child.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"root"}})
	require.Error(t, err)

	grandchild, err := child.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app-read"}})
	if err == nil {
		// Revoking the parent revokes the whole tree.
		require.NoError(t, c.Auth().Token().RevokeTree(secret.Auth.ClientToken))
		_, err = clientFor(t, n, grandchild.Auth.ClientToken).Auth().Token().LookupSelf()
		requireStatus(t, err, http.StatusForbidden)
	} else {
		require.NoError(t, c.Auth().Token().RevokeTree(secret.Auth.ClientToken))
	}
	_, err = child.Logical().Read("team-kv/data/app")
	requireStatus(t, err, http.StatusForbidden)

	require.NoError(t, c.Sys().Unmount("team-kv"))
	gone, err := c.Logical().Read("team-kv/data/app")
	require.NoError(t, err, "the client turns Vault's 404 into a nil secret")
	require.Nil(t, gone)
	_ = ctx
}

func TestAuditRecordsForEveryRequest(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	_, err := c.KVv2("secret").Put(context.Background(), "audited", map[string]any{"v": "canary-value-123"})
	require.NoError(t, err)
	hash, err := c.Sys().AuditHash("", "canary-value-123")
	if err != nil {
		// sys/audit-hash takes the device path; accept any path here.
		hash, err = c.Sys().AuditHash("file", "canary-value-123")
	}
	require.NoError(t, err)
	require.Contains(t, hash, "hmac-sha256:")

	recs := readAudit(t, n)
	var sawWriteRequest, sawWriteResponse, sawHashedValue bool
	for _, r := range recs {
		if r.Request.Path == "secret/data/audited" {
			sawWriteRequest = sawWriteRequest || r.Type == "request"
			sawWriteResponse = sawWriteResponse || r.Type == "response"
			if data, ok := r.Request.Data.(map[string]any); ok {
				if inner, ok := data["data"].(map[string]any); ok && inner["v"] == hash {
					sawHashedValue = true
				}
			}
		}
		require.NotContains(t, r.Request.ClientToken, "root-token")
	}
	require.True(t, sawWriteRequest)
	require.True(t, sawWriteResponse)
	require.True(t, sawHashedValue, "the audit record holds the HMAC sys/audit-hash computes")
}
