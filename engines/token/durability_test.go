package token_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
)

func TestRestartKeepsTokens(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	root, err := token.EnsureRoot(context.Background(), n.deps, "dev-root-token")
	require.NoError(t, err)
	app := n.create(t, root, map[string]any{"policies": "app", "ttl": "1h"})
	child := n.create(t, app.ClientToken, nil)
	revoked := n.create(t, root, map[string]any{"policies": "app"})
	_, err = n.call(t, root, false, framework.UpdateOperation, "revoke", map[string]any{"token": revoked.ClientToken})
	require.NoError(t, err)
	n.stop()

	n2 := startNode(t, dir)
	seq := n2.deps.Store.AppliedSeq()
	again, err := token.EnsureRoot(context.Background(), n2.deps, "dev-root-token")
	require.NoError(t, err)
	assert.Equal(t, root, again)
	assert.Equal(t, seq, n2.deps.Store.AppliedSeq(), "the root token was found, not made again")
	for _, tok := range []string{root, app.ClientToken, child.ClientToken} {
		assert.True(t, n2.resolves(tok))
	}
	assert.False(t, n2.resolves(revoked.ClientToken))
	auth, err := n2.resolver.Resolve(context.Background(), app.ClientToken)
	require.NoError(t, err)
	assert.Equal(t, app.Accessor, auth.Accessor)

	// Rebuilding the projections from the ledger gives the same answers.
	n2.stop()
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "projections")))
	n3 := startNode(t, dir)
	for _, tok := range []string{root, app.ClientToken, child.ClientToken} {
		assert.True(t, n3.resolves(tok))
	}
	assert.False(t, n3.resolves(revoked.ClientToken))
	_, err = n3.call(t, root, false, framework.UpdateOperation, "revoke", map[string]any{"token": app.ClientToken})
	require.NoError(t, err)
	assert.False(t, n3.resolves(child.ClientToken), "the parent index survived the rebuild")
}

func TestRawTokensNeverReachDisk(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	root, err := token.EnsureRoot(context.Background(), n.deps, "Root-Canary-7f3a9c")
	require.NoError(t, err)
	var secrets []string
	for i := 0; i < 20; i++ {
		a := n.create(t, root, map[string]any{"policies": "app", "ttl": "1h", "num_uses": "3"})
		// Accessors are sealed or hashed too, so they make good canaries.
		secrets = append(secrets, a.ClientToken, a.Accessor)
		_, err := n.call(t, a.ClientToken, false, framework.ReadOperation, "lookup-self", nil)
		require.NoError(t, err)
		_, err = n.call(t, root, false, framework.UpdateOperation, "renew", map[string]any{"token": a.ClientToken})
		require.NoError(t, err)
	}
	custom, err := n.call(t, root, false, framework.UpdateOperation, "create", map[string]any{"id": "Custom-Canary-b41d", "policies": "app"})
	require.NoError(t, err)
	secrets = append(secrets, root, custom.Auth.ClientToken)
	_, err = n.call(t, root, false, framework.UpdateOperation, "revoke", map[string]any{"token": secrets[0]})
	require.NoError(t, err)
	n.stop() // flush everything the processes hold

	assertNotOnDisk(t, dir, secrets)
}

// assertNotOnDisk fails if any file under dir holds one of needles.
func assertNotOnDisk(t *testing.T, dir string, needles []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range needles {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("raw token or accessor found in %s", path)
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 5, "the walk saw the ledger and pebble files")
}
