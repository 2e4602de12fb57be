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

	"github.com/cofferhq/coffer/internal/tests3"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/node"
)

// TestReplayArchiveOffline: a dev node with a short audit retention;
// once its audit records aged out and were archived, `ledger replay
// -archive -data-dir` prints them from the segments, offline.
func TestReplayArchiveOffline(t *testing.T) {
	dir := t.TempDir()
	adir := filepath.Join(dir, archive.DefaultDirName)
	testReplayArchive(t, dir, archive.Dir(adir), nil, "--archive", adir)
}

// TestReplayS3ArchiveOffline: the same with the node archiving into an S3
// bucket (a test server on a loopback port, internal/tests3), and the
// command reading the bucket with the AWS default chain's credentials.
func TestReplayS3ArchiveOffline(t *testing.T) {
	srv := tests3.Start(t, "audit")
	t.Setenv("AWS_ACCESS_KEY_ID", tests3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", tests3.SecretKey)
	t.Setenv("AWS_REGION", tests3.Region)
	const loc = "s3://audit/coffer/dev"
	o := archive.S3Options{Endpoint: srv.Endpoint, PathStyle: true}
	st, err := archive.Open(context.Background(), loc, o)
	require.NoError(t, err)
	testReplayArchive(t, t.TempDir(), st, func(cfg *node.Config) { cfg.AuditArchiveDir, cfg.AuditArchiveS3 = loc, o },
		"--archive", loc, "--s3-endpoint", srv.Endpoint, "--s3-force-path-style")
}

// testReplayArchive runs a dev node in dir archiving into st (tweak
// points it there), then replays the archive offline with flags.
func testReplayArchive(t *testing.T, dir string, st archive.Store, tweak func(*node.Config), flags ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, c := devNode(t, ctx, dir, func(cfg *node.Config) {
		cfg.AuditRetention, cfg.CheckpointInterval = 2*time.Second, 100*time.Millisecond
		if tweak != nil {
			tweak(cfg)
		}
	})
	_, err := c.KVv2("secret").Put(ctx, "app/db", map[string]any{"password": "first-pw"})
	require.NoError(t, err)
	_, err = c.KVv2("secret").Get(ctx, "app/db")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		names, _ := st.List(ctx)
		return len(names) > 0
	}, 20*time.Second, 100*time.Millisecond)
	time.Sleep(2500 * time.Millisecond) // past the retention: gone from the stream
	require.NoError(t, n.Close())
	replay := func(dataDir string, more ...string) (string, string, error) {
		return run(t, append(append([]string{"ledger", "replay", "--data-dir", dataDir}, flags...), more...)...)
	}

	out, errOut, err := replay(dir, "--path", "secret/data/app/db")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "audit.request")
	assert.Contains(t, out, "audit.response")
	assert.Contains(t, out, "secret/data/app/db  create")
	assert.Contains(t, out, "secret/data/app/db  read")
	assert.NotContains(t, out, "first-pw")

	out, _, err = replay(dir, "--type", "audit.response", "--format", "json")
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		assert.Contains(t, line, `"type":"audit.response"`)
	}

	// No key, no replay.
	bare := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(bare, "nats"), os.DirFS(filepath.Join(dir, "nats"))))
	_, errOut, err = replay(bare)
	require.Error(t, err)
	assert.Contains(t, errOut, "no dev key file")
}
