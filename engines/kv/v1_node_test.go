package kv_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/node"
)

// TestKVv1WithVaultClient runs KV v1 through a whole node with
// HashiCorp's client: its KVv1 helper and raw logical calls, the mount
// preflight the CLI reads, and the upgrade to v2.
func TestKVv1WithVaultClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	c := testkit.VaultClient(t, n.Addr, "root")

	// `secrets enable -version=1 kv` and `-path=kv kv` (no version: v1, as in Vault).
	require.NoError(t, c.Sys().Mount("kv1", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}))
	require.NoError(t, c.Sys().Mount("kv", &api.MountInput{Type: "kv"}))
	for _, mount := range []string{"kv1", "kv"} {
		pre, err := c.Logical().Read("sys/internal/ui/mounts/" + mount + "/app")
		require.NoError(t, err)
		require.Equal(t, mount+"/", pre.Data["path"])
		if opts, ok := pre.Data["options"].(map[string]any); ok {
			require.NotEqual(t, "2", opts["version"], "the CLI must see a v1 mount")
		}

		kv := c.KVv1(mount)
		_, err = kv.Get(ctx, "app/db")
		require.ErrorIs(t, err, api.ErrSecretNotFound)
		require.NoError(t, kv.Put(ctx, "app/db", map[string]any{"password": "one"}))
		require.NoError(t, kv.Put(ctx, "app/db", map[string]any{"password": "two", "user": "app"}))
		got, err := kv.Get(ctx, "app/db")
		require.NoError(t, err)
		require.Equal(t, map[string]any{"password": "two", "user": "app"}, got.Data, "a write replaces the whole value")
		// Vault's refresh interval: the mount's default lease TTL (768h),
		// or the value's own ttl; no lease behind it.
		raw, err := c.Logical().Read(mount + "/app/db")
		require.NoError(t, err)
		require.Equal(t, int((768 * time.Hour).Seconds()), raw.LeaseDuration)
		require.Empty(t, raw.LeaseID)
		require.False(t, raw.Renewable)
		require.NoError(t, kv.Put(ctx, "app/ttl", map[string]any{"v": "x", "ttl": "1h"}))
		raw, err = c.Logical().Read(mount + "/app/ttl")
		require.NoError(t, err)
		require.Equal(t, 3600, raw.LeaseDuration)
		require.NoError(t, kv.Delete(ctx, "app/ttl"))
		require.NoError(t, kv.Put(ctx, "app/cache/key", map[string]any{"k": "v"}))

		list, err := c.Logical().List(mount + "/app")
		require.NoError(t, err)
		require.Equal(t, []any{"cache/", "db"}, list.Data["keys"])

		require.NoError(t, kv.Delete(ctx, "app/db"))
		_, err = kv.Get(ctx, "app/db")
		require.ErrorIs(t, err, api.ErrSecretNotFound)
	}

	// `kv enable-versioning kv1`: the value left is now a v2 secret.
	require.NoError(t, c.Sys().TuneMount("kv1", api.MountConfigInput{Options: map[string]string{"version": "2"}}))
	pre, err := c.Logical().Read("sys/internal/ui/mounts/kv1")
	require.NoError(t, err)
	require.Equal(t, "2", pre.Data["options"].(map[string]any)["version"])
	testkit.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		_, err := c.KVv2("kv1").Get(ctx, "app/cache/key")
		return err
	})
	v2, err := c.KVv2("kv1").Get(ctx, "app/cache/key")
	require.NoError(t, err)
	require.Equal(t, map[string]any{"k": "v"}, v2.Data)
	_, err = c.KVv2("kv1").Put(ctx, "app/cache/key", map[string]any{"k": "w"})
	require.NoError(t, err)
	vs, err := c.KVv2("kv1").GetVersionsAsList(ctx, "app/cache/key")
	require.NoError(t, err)
	require.Len(t, vs, 2, "versioned from the upgrade on")
	require.Error(t, c.Sys().TuneMount("kv1", api.MountConfigInput{Options: map[string]string{"version": "1"}}), "no downgrade")
}
