package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/node"
)

func startNode(t *testing.T) (*node.Node, *vault.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Coffer node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n, client(t, n.Addr, "root")
}

func client(t *testing.T, addr, token string) *vault.Client {
	cfg := vault.DefaultConfig()
	cfg.Address = addr
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	require.NoError(t, err)
	c.SetToken(token)
	if token == "" {
		c.ClearToken()
	}
	return c
}

// startProxy serves api_proxy (and cache) on a loopback port.
func startProxy(t *testing.T, addr string, cfg *config.Config, token string) string {
	t.Helper()
	cfg.Listeners = []config.Listener{{Type: "tcp", Address: "127.0.0.1:0", TLSDisable: true}}
	p, err := New(Options{Config: cfg, Client: client(t, addr, ""), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	p.SetToken(token)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	return "http://" + p.Addrs()[0].String()
}

func TestProxyAddsTheAutoAuthToken(t *testing.T) {
	n, root := startNode(t)
	_, err := root.KVv2("secret").Put(t.Context(), "app/x", map[string]any{"k": "v"})
	require.NoError(t, err)
	url := startProxy(t, n.Addr, &config.Config{APIProxy: &config.APIProxy{UseAutoAuthToken: true}}, "root")

	// No token: the agent's is used, through HashiCorp's own client.
	got, err := client(t, url, "").KVv2("secret").Get(t.Context(), "app/x")
	require.NoError(t, err)
	require.Equal(t, "v", got.Data["k"])

	// A client's own token is kept without "force".
	_, err = client(t, url, "not-a-token").KVv2("secret").Get(t.Context(), "app/x")
	var re *vault.ResponseError
	require.ErrorAs(t, err, &re)
	require.Equal(t, http.StatusForbidden, re.StatusCode)

	forced := startProxy(t, n.Addr, &config.Config{APIProxy: &config.APIProxy{UseAutoAuthToken: true, ForceAutoAuthToken: true}}, "root")
	_, err = client(t, forced, "not-a-token").KVv2("secret").Get(t.Context(), "app/x")
	require.NoError(t, err, "force replaces the client's token")

	resp, err := http.Get(url + "/nope")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestCacheServesALeaseUntilItIsRevoked(t *testing.T) {
	n, root := startNode(t)
	pg := testpg.Start(t)
	require.NoError(t, root.Sys().Mount("database", &vault.MountInput{Type: "database"}))
	_, err := root.Logical().Write("database/config/db", map[string]any{"plugin_name": "postgresql-database-plugin",
		"allowed_roles": "app", "connection_url": pg.TemplateURL(), "username": testpg.SuperUser, "password": pg.SuperPassword})
	require.NoError(t, err)
	_, err = root.Logical().Write("database/roles/app", map[string]any{"db_name": "db", "default_ttl": "1h",
		"creation_statements": `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`})
	require.NoError(t, err)
	url := startProxy(t, n.Addr, &config.Config{APIProxy: &config.APIProxy{UseAutoAuthToken: true}, Cache: &config.Cache{}}, "root")
	c := client(t, url, "")

	first, err := c.Logical().Read("database/creds/app")
	require.NoError(t, err)
	again, err := c.Logical().Read("database/creds/app")
	require.NoError(t, err)
	require.Equal(t, first.LeaseID, again.LeaseID, "the second read is the cached lease")
	require.Equal(t, first.Data["username"], again.Data["username"])

	// Revoked through the proxy: the next read is a new lease.
	_, err = c.Logical().Write("sys/leases/revoke", map[string]any{"lease_id": first.LeaseID})
	require.NoError(t, err)
	fresh, err := c.Logical().Read("database/creds/app")
	require.NoError(t, err)
	require.NotEqual(t, first.LeaseID, fresh.LeaseID)

	// cache-clear drops it too.
	body, _ := json.Marshal(map[string]string{"type": "all"})
	resp, err := http.Post(url+"/agent/v1/cache-clear", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	after, err := c.Logical().Read("database/creds/app")
	require.NoError(t, err)
	require.NotEqual(t, fresh.LeaseID, after.LeaseID)

	resp, err = http.Post(url+"/agent/v1/cache-clear", "application/json", bytes.NewReader([]byte(`{"type":"bogus"}`)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
