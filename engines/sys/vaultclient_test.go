package sys

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/gateway"
)

// These tests put the backend behind the real gateway and drive it with
// HashiCorp's Go client: the shapes are right when the client accepts
// them.

type tokenTable map[string]*framework.Caller

func (tt tokenTable) Resolve(_ context.Context, raw string) (*framework.Caller, error) {
	if a, ok := tt[raw]; ok {
		return a, nil
	}
	return nil, framework.ErrPermissionDenied
}

func (tokenTable) Use(context.Context, *framework.Caller) error { return nil }

func (tokenTable) Login(context.Context, *framework.Request, *framework.Auth) (*framework.Auth, error) {
	return nil, framework.ErrPermissionDenied
}

func (e *env) client(t *testing.T, token string) *vault.Client {
	t.Helper()
	e.tokens["root-token"] = rootAuth
	gw := gateway.New(gateway.Config{
		Deps: e.deps,
		Mounts: func(path string) (gateway.Mount, string, bool) {
			m, rel, ok := e.mounts.Match(path)
			return gateway.Mount{Path: m.Path, Type: m.Type, Accessor: m.Accessor}, rel, ok
		},
		ACL:       e.policies.ACL,
		Tokens:    tokenTable(e.tokens),
		Factories: map[string]framework.Factory{"kv": func(framework.MountInfo) (*framework.Backend, error) { return &framework.Backend{}, nil }},
		Builtins:  []gateway.Builtin{{Path: "sys/", Type: "system", Accessor: "system", Backend: e.backend}, {Path: "auth/token/", Type: "token", Accessor: "auth_token", Backend: &framework.Backend{}}},
		Sealed:    e.seal.Sealed,
	})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	cfg := vault.DefaultConfig()
	cfg.Address = srv.URL
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	require.NoError(t, err)
	c.SetToken(token)
	return c
}

func statusOf(t *testing.T, err error) int {
	t.Helper()
	var re *vault.ResponseError
	require.True(t, errors.As(err, &re), "want a response error, got %v", err)
	return re.StatusCode
}

func TestMountsThroughVaultClient(t *testing.T) {
	e := start(t)
	c := e.client(t, "root-token")
	sys := c.Sys()

	require.NoError(t, sys.Mount("team", &vault.MountInput{
		Type: "kv", Description: "team kv", Options: map[string]string{"version": "2"},
		Config: vault.MountConfigInput{DefaultLeaseTTL: "1h", MaxLeaseTTL: "2h"},
	}))
	mounts, err := sys.ListMounts()
	require.NoError(t, err)
	require.Contains(t, mounts, "team/")
	require.Contains(t, mounts, "sys/")
	assert.Equal(t, "kv", mounts["team/"].Type)
	assert.Equal(t, "team kv", mounts["team/"].Description)
	assert.Equal(t, "2", mounts["team/"].Options["version"])
	assert.Equal(t, 3600, mounts["team/"].Config.DefaultLeaseTTL)
	assert.Equal(t, 7200, mounts["team/"].Config.MaxLeaseTTL)
	assert.Equal(t, "system", mounts["sys/"].Type)

	one, err := sys.GetMount("team")
	require.NoError(t, err)
	assert.Equal(t, mounts["team/"].Accessor, one.Accessor)

	err = sys.Mount("team/nested", &vault.MountInput{Type: "kv"})
	assert.Equal(t, http.StatusBadRequest, statusOf(t, err))
	assert.Contains(t, err.Error(), "path is already in use at team/")

	require.NoError(t, sys.TuneMount("team", vault.MountConfigInput{MaxLeaseTTL: "3h", Description: ptr("tuned")}))
	cfg, err := sys.MountConfig("team")
	require.NoError(t, err)
	assert.Equal(t, 10800, cfg.MaxLeaseTTL)
	assert.Equal(t, 3600, cfg.DefaultLeaseTTL)
	one, err = sys.GetMount("team")
	require.NoError(t, err)
	assert.Equal(t, "tuned", one.Description)

	auths, err := sys.ListAuth()
	require.NoError(t, err)
	require.Contains(t, auths, "token/")
	assert.Equal(t, "token", auths["token/"].Type)

	require.NoError(t, sys.Unmount("team"))
	mounts, err = sys.ListMounts()
	require.NoError(t, err)
	assert.NotContains(t, mounts, "team/")
}

func TestPoliciesThroughVaultClient(t *testing.T) {
	e := start(t)
	sys := e.client(t, "root-token").Sys()

	assert.Equal(t, http.StatusBadRequest, statusOf(t, sys.PutPolicy("App", appPolicy)), "non-canonical names are refused")
	require.NoError(t, sys.PutPolicy("app", appPolicy))
	text, err := sys.GetPolicy("app")
	require.NoError(t, err)
	assert.Equal(t, appPolicy, text)
	list, err := sys.ListPolicies()
	require.NoError(t, err)
	assert.Equal(t, []string{"app", "default", "root"}, list)

	err = sys.PutPolicy("bad", `path "a" { capabilities = ["reed"] }`)
	assert.Equal(t, http.StatusBadRequest, statusOf(t, err))
	assert.Contains(t, err.Error(), "1:28")
	err = sys.DeletePolicy("default")
	assert.Equal(t, http.StatusBadRequest, statusOf(t, err))
	err = sys.PutPolicy("root", appPolicy)
	assert.Equal(t, http.StatusBadRequest, statusOf(t, err))

	missing, err := sys.GetPolicy("missing")
	require.NoError(t, err, "the client maps a 404 to an empty policy")
	assert.Empty(t, missing)

	e.tokens["user-token"] = &framework.Caller{Accessor: "u", Policies: []string{"default", "app"}}
	user := e.client(t, "user-token")
	caps, err := user.Sys().CapabilitiesSelf("secret/data/app/x")
	require.NoError(t, err)
	assert.Equal(t, []string{"list", "read"}, caps)
	caps, err = sys.Capabilities("user-token", "secret/data/app/x")
	require.NoError(t, err)
	assert.Equal(t, []string{"list", "read"}, caps)
}

func TestStatusThroughVaultClient(t *testing.T) {
	e := start(t)
	c := e.client(t, "")
	health, err := c.Sys().Health()
	require.NoError(t, err)
	assert.True(t, health.Initialized)
	assert.False(t, health.Sealed)
	assert.Equal(t, "0.1.0", health.Version)
	assert.NotEmpty(t, health.ClusterID)

	seal, err := c.Sys().SealStatus()
	require.NoError(t, err)
	assert.Equal(t, 1, seal.T)
	assert.Equal(t, "ledger", seal.StorageType)

	// HEAD answers with the status code only.
	resp, err := http.Head(c.Address() + "/v1/sys/health?activecode=299")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 299, resp.StatusCode)

	// Sealed: health still answers (503 by default), other paths do not.
	e.seal.sealed.Store(true)
	resp, err = http.Get(c.Address() + "/v1/sys/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	e.seal.sealed.Store(false)

	root := e.client(t, "root-token")
	ks, err := root.Sys().KeyStatus()
	require.NoError(t, err)
	assert.Equal(t, 1, ks.Term)
	require.NoError(t, root.Sys().Rotate())
	ks, err = root.Sys().KeyStatus()
	require.NoError(t, err)
	assert.Equal(t, 2, ks.Term)

	hash, err := root.Sys().AuditHash("file", "value")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "hmac-sha256:"))

	// sys/rotate needs sudo: a token whose policy grants update without
	// sudo is refused by the gateway.
	require.NoError(t, root.Sys().PutPolicy("rotator", `path "sys/rotate" { capabilities = ["update"] }`))
	e.tokens["rotator"] = &framework.Caller{Accessor: "r", Policies: []string{"rotator"}}
	err = e.client(t, "rotator").Sys().Rotate()
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))
}

func ptr[T any](v T) *T { return &v }
