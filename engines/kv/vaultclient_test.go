package kv_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/internal/testkit"
)

// rootTokens accepts the token "root" only.
type rootTokens struct{}

func (rootTokens) Resolve(_ context.Context, raw string) (*framework.Caller, error) {
	if raw != "root" {
		return nil, framework.ErrPermissionDenied
	}
	return &framework.Caller{Accessor: "root-accessor", Policies: []string{"root"}, IsRoot: true}, nil
}

func (rootTokens) Use(context.Context, *framework.Caller) error { return nil }

func (rootTokens) Login(context.Context, *framework.Request, *framework.Auth) (*framework.Auth, error) {
	return nil, framework.ErrPermissionDenied
}

// vaultClient serves the engine at secret/ through the real gateway and
// returns HashiCorp's Go client pointed at it.
func vaultClient(t testing.TB) *api.Client {
	e := startEngine(t)
	gw := gateway.New(gateway.Config{
		Deps: e.deps,
		Mounts: func(path string) (gateway.Mount, string, bool) {
			if path != "secret" && !strings.HasPrefix(path, "secret/") {
				return gateway.Mount{}, "", false
			}
			return gateway.Mount{Path: "secret/", Type: "kv-v2", Accessor: accessor}, strings.TrimPrefix(strings.TrimPrefix(path, "secret"), "/"), true
		},
		ACL:       func([]string) (*acl.ACL, error) { return acl.NewRoot(), nil },
		Tokens:    rootTokens{},
		Factories: map[string]framework.Factory{"kv-v2": func(m framework.MountInfo) (*framework.Backend, error) { return kv.New(e.deps, m), nil }},
	})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return testkit.VaultClient(t, srv.URL, "root")
}

func TestVaultGoClientKVv2(t *testing.T) {
	c := vaultClient(t)
	ctx := context.Background()
	kvv2 := c.KVv2("secret")

	s, err := kvv2.Put(ctx, "app/db", map[string]any{"user": "app", "pass": "one"})
	require.NoError(t, err)
	assert.Equal(t, 1, s.VersionMetadata.Version)
	assert.WithinDuration(t, time.Now(), s.VersionMetadata.CreatedTime, time.Minute)

	_, err = kvv2.Put(ctx, "app/db", map[string]any{"user": "app", "pass": "two"}, api.WithCheckAndSet(1))
	require.NoError(t, err)
	_, err = kvv2.Put(ctx, "app/db", map[string]any{"x": "y"}, api.WithCheckAndSet(1))
	require.ErrorContains(t, err, "check-and-set parameter did not match the current version")

	got, err := kvv2.Get(ctx, "app/db")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"user": "app", "pass": "two"}, got.Data)
	assert.Equal(t, 2, got.VersionMetadata.Version)
	got, err = kvv2.GetVersion(ctx, "app/db", 1)
	require.NoError(t, err)
	assert.Equal(t, "one", got.Data["pass"])

	patched, err := kvv2.Patch(ctx, "app/db", map[string]any{"pass": "three", "user": nil})
	require.NoError(t, err)
	assert.Equal(t, 3, patched.VersionMetadata.Version)
	got, err = kvv2.Get(ctx, "app/db")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"pass": "three"}, got.Data)

	require.NoError(t, kvv2.Delete(ctx, "app/db"))
	got, err = kvv2.Get(ctx, "app/db")
	require.NoError(t, err, "a deleted version reads as 404 with its metadata, which the client returns")
	assert.Nil(t, got.Data, "a deleted version has no data")
	assert.False(t, got.VersionMetadata.DeletionTime.IsZero())
	require.NoError(t, kvv2.Undelete(ctx, "app/db", []int{3}))
	got, err = kvv2.Get(ctx, "app/db")
	require.NoError(t, err)
	assert.Equal(t, "three", got.Data["pass"])

	require.NoError(t, kvv2.DeleteVersions(ctx, "app/db", []int{2}))
	require.NoError(t, kvv2.Destroy(ctx, "app/db", []int{1}))
	versions, err := kvv2.GetVersionsAsList(ctx, "app/db")
	require.NoError(t, err)
	require.Len(t, versions, 3)
	assert.True(t, versions[0].Destroyed)
	assert.False(t, versions[1].DeletionTime.IsZero())
	assert.False(t, versions[2].Destroyed)

	require.NoError(t, kvv2.PutMetadata(ctx, "app/db", api.KVMetadataPutInput{
		MaxVersions: 5, DeleteVersionAfter: time.Hour, CustomMetadata: map[string]any{"owner": "ops"},
	}))
	maxV := 7
	require.NoError(t, kvv2.PatchMetadata(ctx, "app/db", api.KVMetadataPatchInput{MaxVersions: &maxV, CustomMetadata: map[string]any{"team": "x"}}))
	md, err := kvv2.GetMetadata(ctx, "app/db")
	require.NoError(t, err)
	assert.Equal(t, 3, md.CurrentVersion)
	assert.Equal(t, 7, md.MaxVersions)
	assert.Equal(t, time.Hour, md.DeleteVersionAfter)
	assert.Equal(t, map[string]any{"owner": "ops", "team": "x"}, md.CustomMetadata)
	assert.Len(t, md.Versions, 3)
	assert.False(t, md.CreatedTime.IsZero())

	rolled, err := kvv2.Rollback(ctx, "app/db", 3)
	require.NoError(t, err)
	assert.Equal(t, 4, rolled.VersionMetadata.Version)
	assert.Equal(t, map[string]any{"owner": "ops", "team": "x"}, rolled.CustomMetadata)

	_, err = kvv2.Put(ctx, "app/cache", map[string]any{"k": "v"})
	require.NoError(t, err)
	list, err := c.Logical().List("secret/metadata/app")
	require.NoError(t, err)
	assert.Equal(t, []any{"cache", "db"}, list.Data["keys"])
	list, err = c.Logical().List("secret/metadata")
	require.NoError(t, err)
	assert.Equal(t, []any{"app/"}, list.Data["keys"])

	require.NoError(t, kvv2.DeleteMetadata(ctx, "app/db"))
	_, err = kvv2.Get(ctx, "app/db")
	require.True(t, errors.Is(err, api.ErrSecretNotFound), "got %v", err)
	list, err = c.Logical().List("secret/metadata/nothing")
	require.NoError(t, err)
	assert.Nil(t, list, "an empty LIST is a 404, which the client reads as nil")

	req := c.NewRequest(http.MethodGet, "/v1/secret/data/app/cache")
	resp, err := c.RawRequestWithContext(ctx, req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
