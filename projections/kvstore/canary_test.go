package kvstore_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// TestCanariesNeverOnDisk writes a value that is destroyed and one that is
// kept, under a path that is itself a canary, closes everything, and
// searches every byte under the data dir: neither value nor the path may
// appear in plaintext (nor hex or base64 encoded), destroyed or not.
func TestCanariesNeverOnDisk(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	destroyed := "CANARY-destroyed-" + ledger.NewID()
	kept := "CANARY-kept-" + ledger.NewID()
	path := "PATHCANARY-" + ledger.NewID() + "/db"

	_, err := s.runner.Write(ctx, mount, path, []byte(`{"password":"`+destroyed+`"}`), nil)
	require.NoError(t, err)
	_, err = s.runner.Write(ctx, mount, path, []byte(`{"password":"`+kept+`"}`), nil)
	require.NoError(t, err)
	_, err = s.runner.Patch(ctx, mount, path, map[string]any{"note": "patched"}, nil)
	require.NoError(t, err)
	require.NoError(t, s.runner.Destroy(ctx, mount, path, []uint64{1}))

	got, err := s.reader.Value(ctx, mount, path, 3)
	require.NoError(t, err)
	require.Contains(t, string(got), kept, "the kept canary is really stored")
	names, err := s.reader.List(mount, "")
	require.NoError(t, err)
	require.Len(t, names, 1, "the path is really stored")

	s.close()

	needles := map[string][]byte{}
	for name, v := range map[string]string{"destroyed value": destroyed, "kept value": kept, "path": path} {
		needles[name] = []byte(v)
		needles[name+" (hex)"] = []byte(hex.EncodeToString([]byte(v)))
		needles[name+" (base64)"] = []byte(base64.StdEncoding.EncodeToString([]byte(v))[:20])
	}
	files := 0
	err = filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for name, needle := range needles {
			assert.False(t, bytes.Contains(data, needle), "%s found in %s", name, p)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, files, 5, "the walk saw the ledger and pebble files")

	// With the unseal key (dev mode keeps it in the data dir), a restart
	// that replays the ledger into fresh projections still cannot read
	// the destroyed version; the kept one survives.
	require.NoError(t, os.RemoveAll(filepath.Join(s.dir, "projections")))
	again := startStackIn(t, s.dir)
	meta, err := again.reader.Metadata(mount, path)
	require.NoError(t, err)
	assert.True(t, meta.Versions[1].Destroyed)
	_, err = again.reader.Value(ctx, mount, path, 1)
	require.ErrorIs(t, err, kvstore.ErrNotFound)
	_, err = again.ledger.DataKeys().Get(ctx, meta.Versions[1].DataKey)
	require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed)
	got, err = again.reader.Value(ctx, mount, path, 3)
	require.NoError(t, err)
	assert.Contains(t, string(got), kept)
}
