package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

func canary(t *testing.T) string {
	var b [12]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return "canary-" + hex.EncodeToString(b[:])
}

// filesContaining lists files under dir whose bytes contain needle.
func filesContaining(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			hits = append(hits, path)
		}
		return nil
	})
	require.NoError(t, err)
	return hits
}

// snapshot reads what a client can see, to compare state before and after
// a restart or a rebuild.
type snapshot struct {
	Secret   map[string]any
	Metadata *vault.KVMetadata
	Policy   string
	Token    map[string]any
}

func takeSnapshot(t *testing.T, c *vault.Client, token string) snapshot {
	t.Helper()
	ctx := context.Background()
	s, err := c.KVv2("secret").Get(ctx, "app/config")
	require.NoError(t, err)
	md, err := c.KVv2("secret").GetMetadata(ctx, "app/config")
	require.NoError(t, err)
	pol, err := c.Sys().GetPolicy("app")
	require.NoError(t, err)
	look, err := c.Auth().Token().Lookup(token)
	require.NoError(t, err)
	delete(look.Data, "ttl") // counts down between snapshots
	return snapshot{Secret: s.Data, Metadata: md, Policy: pol, Token: look.Data}
}

func seedState(t *testing.T, c *vault.Client) string {
	t.Helper()
	ctx := context.Background()
	kv := c.KVv2("secret")
	for i := 0; i < 3; i++ {
		_, err := kv.Put(ctx, "app/config", map[string]any{"n": i, "name": "cfg"})
		require.NoError(t, err)
	}
	require.NoError(t, kv.Destroy(ctx, "app/config", []int{1}))
	require.NoError(t, c.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`))
	tok, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app"}, TTL: "2h"})
	require.NoError(t, err)
	return tok.Auth.ClientToken
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root-token")
	c := clientFor(t, n, "root-token")
	tok := seedState(t, c)
	before := takeSnapshot(t, c, tok)
	require.NoError(t, n.Close())

	n2 := startNode(t, dir, "root-token")
	c2 := clientFor(t, n2, "root-token")
	require.Equal(t, before, takeSnapshot(t, c2, tok))
	_, err := clientFor(t, n2, tok).KVv2("secret").Get(context.Background(), "app/config")
	require.NoError(t, err, "tokens survive restarts")
}

func TestRebuildProjectionsFromLedger(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root-token")
	c := clientFor(t, n, "root-token")
	tok := seedState(t, c)
	before := takeSnapshot(t, c, tok)
	require.NoError(t, n.Close())

	require.NoError(t, os.RemoveAll(filepath.Join(dir, "projections")))
	n2 := startNode(t, dir, "root-token")
	c2 := clientFor(t, n2, "root-token")
	require.Equal(t, before, takeSnapshot(t, c2, tok), "a rebuild from the ledger gives the same state")
	v1, err := c2.KVv2("secret").GetVersion(context.Background(), "app/config", 1)
	require.NoError(t, err)
	require.Nil(t, v1.Data, "a destroyed version stays destroyed after a rebuild")
	require.True(t, v1.VersionMetadata.Destroyed)
}

func TestNoPlaintextSecretsOnDisk(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root-token")
	c := clientFor(t, n, "root-token")
	ctx := context.Background()
	kept, destroyed, tokenCanary := canary(t), canary(t), ""
	_, err := c.KVv2("secret").Put(ctx, "canary/kept", map[string]any{"v": kept})
	require.NoError(t, err)
	_, err = c.KVv2("secret").Put(ctx, "canary/destroyed", map[string]any{"v": destroyed})
	require.NoError(t, err)
	require.NoError(t, c.KVv2("secret").Destroy(ctx, "canary/destroyed", []int{1}))
	tok, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}})
	require.NoError(t, err)
	tokenCanary = tok.Auth.ClientToken
	require.NoError(t, n.Close())

	for _, needle := range []string{kept, destroyed, tokenCanary, "root-token"} {
		require.Empty(t, filesContaining(t, dir, []byte(needle)), "plaintext %q found on disk", needle[:10])
	}
	// And after a rebuild from the ledger the destroyed value stays gone.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "projections")))
	n2 := startNode(t, dir, "root-token")
	c2 := clientFor(t, n2, "root-token")
	gone, err := c2.KVv2("secret").Get(ctx, "canary/destroyed")
	require.NoError(t, err)
	require.Nil(t, gone.Data)
	raw, err := c2.Logical().Read("secret/data/canary/destroyed")
	require.NoError(t, err)
	require.Nil(t, raw.Data["data"], "no value after destroy and rebuild")
	got, err := c2.KVv2("secret").Get(ctx, "canary/kept")
	require.NoError(t, err)
	require.Equal(t, kept, got.Data["v"])
}
