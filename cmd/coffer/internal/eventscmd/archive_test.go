package eventscmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/node"
)

// TestReplayArchiveOffline: a dev node with a short audit retention;
// once its audit records aged out and were archived, `ledger replay
// -archive -data-dir` prints them from the segments, offline.
func TestReplayArchiveOffline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	n, c := devNode(t, ctx, dir, func(cfg *node.Config) {
		cfg.AuditRetention, cfg.CheckpointInterval = 2*time.Second, 100*time.Millisecond
	})
	_, err := c.KVv2("secret").Put(ctx, "app/db", map[string]any{"password": "first-pw"})
	require.NoError(t, err)
	_, err = c.KVv2("secret").Get(ctx, "app/db")
	require.NoError(t, err)
	adir := filepath.Join(dir, archive.DefaultDirName)
	require.Eventually(t, func() bool {
		names, _ := archive.List(adir)
		return len(names) > 0
	}, 20*time.Second, 100*time.Millisecond)
	time.Sleep(2500 * time.Millisecond) // past the retention: gone from the stream
	require.NoError(t, n.Close())

	out, errOut, err := run(t, "ledger", "replay", "--archive", adir, "--data-dir", dir, "--path", "secret/data/app/db")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "audit.request")
	assert.Contains(t, out, "audit.response")
	assert.Contains(t, out, "secret/data/app/db  create")
	assert.Contains(t, out, "secret/data/app/db  read")
	assert.NotContains(t, out, "first-pw")

	out, _, err = run(t, "ledger", "replay", "--archive", adir, "--data-dir", dir, "--type", "audit.response", "--format", "json")
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		assert.Contains(t, line, `"type":"audit.response"`)
	}

	// No key, no replay.
	bare := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(bare, "nats"), os.DirFS(filepath.Join(dir, "nats"))))
	_, errOut, err = run(t, "ledger", "replay", "--archive", adir, "--data-dir", bare)
	require.Error(t, err)
	assert.Contains(t, errOut, "no dev key file")
}
