package ledgercmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/internal/tests3"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/ledger/transparency"
)

const testAudited = "ledgercmdtest.audited"

func init() { ledger.RegisterAuditRecordType(testAudited) }

// TestVerifyOfflineWithArchive: audit records aged out of the stream are
// checked from the archive beside the data dir; a segment removed from
// it is named and fails the check.
func TestVerifyOfflineWithArchive(t *testing.T) {
	dir, names := archivedLedger(t, nil)
	adir := filepath.Join(dir, archive.DefaultDirName)
	out, errOut, code := run(t, "ledger", "verify", "--data-dir", dir)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, fmt.Sprintf("audit archive %s: %d segments, 8 messages read from it; OK\n", adir, len(names)))

	// Without the archive the expired records are missing.
	bare := copyDir(t, dir)
	require.NoError(t, os.RemoveAll(filepath.Join(bare, archive.DefaultDirName)))
	out, errOut, code = run(t, "ledger", "verify", "--data-dir", bare)
	require.Equal(t, exitTampered, code, out+errOut)
	assert.Contains(t, out, "FIRST BAD INDEX 3: dropped\n")

	// A segment removed from the archive is named.
	moved := filepath.Join(t.TempDir(), "archive")
	require.NoError(t, os.CopyFS(moved, os.DirFS(adir)))
	require.NoError(t, os.Remove(filepath.Join(moved, names[1])))
	out, errOut, code = run(t, "ledger", "verify", "--data-dir", dir, "--archive", moved)
	require.Equal(t, exitTampered, code, out+errOut)
	assert.Contains(t, out, "SEGMENT MISSING "+names[1]+": "+names[2]+" chains to it")
}

// TestVerifyOfflineWithS3Archive: the same archive in an S3 bucket
// (a test server on a loopback port, internal/tests3; credentials from
// the environment, as the AWS default chain reads them) verifies; a
// deleted object and an altered one are named.
func TestVerifyOfflineWithS3Archive(t *testing.T) {
	srv := tests3.Start(t, "audit")
	t.Setenv("AWS_ACCESS_KEY_ID", tests3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", tests3.SecretKey)
	t.Setenv("AWS_REGION", tests3.Region)
	ctx := context.Background()
	st, err := archive.Open(ctx, "s3://audit/node-1", archive.S3Options{Endpoint: srv.Endpoint, PathStyle: true})
	require.NoError(t, err)
	dir, names := archivedLedger(t, st)
	verify := func() (string, int) {
		out, errOut, code := run(t, "ledger", "verify", "--data-dir", dir, "--archive", "s3://audit/node-1",
			"--s3-endpoint", srv.Endpoint, "--s3-force-path-style")
		return out + errOut, code
	}
	out, code := verify()
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, fmt.Sprintf("audit archive s3://audit/node-1: %d segments, 8 messages read from it; OK\n", len(names)))

	// An object deleted.
	srv.Delete(t, "node-1/"+names[1])
	out, code = verify()
	require.Equal(t, exitTampered, code, out)
	assert.Contains(t, out, "SEGMENT MISSING "+names[1]+": "+names[2]+" chains to it")

	// An object altered (past the archive's write-once PUT): a sealed
	// message's bytes no longer hash to its recorded leaf.
	body, err := st.Get(ctx, names[3])
	require.NoError(t, err)
	i := bytes.Index(body, []byte(`"data":"`)) + len(`"data":"`)
	body[i] ^= 'A' ^ 'B' // A<->B, still base64
	if body[i] != 'A' && body[i] != 'B' {
		body[i] = 'A'
	}
	srv.Overwrite(t, "node-1/"+names[3], body)
	out, code = verify()
	require.Equal(t, exitTampered, code, out)
	assert.Contains(t, out, "SEGMENT ALTERED "+names[3]+": the message at index")
}

// archivedLedger writes eight audited requests to a ledger whose audit
// records age out after a second, archived (into st, or
// DATA_DIR/audit-archive when st is nil) two messages a segment; it
// returns the stopped ledger's data dir and the segments, once every
// audit message aged out and the checkpoints cover the ledger.
func archivedLedger(t *testing.T, st archive.Store) (string, []string) {
	const retention = time.Second
	env := ledgertest.Start(t, ledgertest.Options{NoProjections: true, AuditRetention: retention})
	l, dir := env.Ledger, env.Dir
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cp := transparency.NewCheckpointer(l, transparency.Options{Every: 5, Interval: 10 * time.Millisecond, Log: quiet})
	if st == nil {
		st = archive.Dir(filepath.Join(dir, archive.DefaultDirName))
	}
	arch := archive.New(l, archive.Options{Store: st, Retention: retention, MaxMessages: 2, Log: quiet})
	done := make(chan struct{}, 2)
	go func() { _ = cp.Run(ctx); done <- struct{}{} }()
	go func() { _ = arch.Run(ctx); done <- struct{}{} }()
	var last uint64
	for i := range 8 {
		// An audited write: a records-only message and, fenced after it,
		// the domain event.
		seq, err := l.Writer().Append(ctx, ledger.NewEvent(testAudited, 1, map[string]int{"req": i}),
			ledger.NewEvent("test.recorded", 1, map[string]int{"i": i}), ledger.NewEvent(testAudited, 1, map[string]int{"resp": i}))
		require.NoError(t, err)
		last = seq
		if i%2 == 1 { // a segment every two messages
			testkit.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
				if names, _ := st.List(ctx); len(names) < (i+1)/2 {
					return fmt.Errorf("%d segments", len(names))
				}
				return nil
			})
		}
	}
	testkit.CheckFor(t, 15*time.Second, 20*time.Millisecond, func() error {
		if m, err := l.Get(ctx, last-1); err != nil || m.Subject != "" {
			return fmt.Errorf("the last audit message is still stored")
		}
		if signed := cp.Status().Signed; signed < int64(last) {
			return fmt.Errorf("checkpoints cover %d of %d", signed, last)
		}
		return nil
	})
	cancel()
	<-done
	<-done
	env.Stop()
	names, err := st.List(context.Background())
	require.NoError(t, err)
	require.Len(t, names, 4)
	return dir, names
}
