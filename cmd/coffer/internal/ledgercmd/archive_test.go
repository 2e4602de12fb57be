package ledgercmd

import (
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
	const retention = time.Second
	env := ledgertest.Start(t, ledgertest.Options{NoProjections: true, AuditRetention: retention})
	st, dir := env.Ledger, env.Dir
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cp := transparency.NewCheckpointer(st, transparency.Options{Every: 5, Interval: 10 * time.Millisecond, Log: quiet})
	arch := archive.New(st, archive.Options{Dir: filepath.Join(dir, archive.DefaultDirName), Retention: retention, MaxMessages: 2, Log: quiet})
	done := make(chan struct{}, 2)
	go func() { _ = cp.Run(ctx); done <- struct{}{} }()
	go func() { _ = arch.Run(ctx); done <- struct{}{} }()
	var last uint64
	adir := filepath.Join(dir, archive.DefaultDirName)
	for i := range 8 {
		// An audited write: a records-only message and, fenced after it,
		// the domain event.
		seq, err := st.Writer().Append(ctx, ledger.NewEvent(testAudited, 1, map[string]int{"req": i}),
			ledger.NewEvent("test.recorded", 1, map[string]int{"i": i}), ledger.NewEvent(testAudited, 1, map[string]int{"resp": i}))
		require.NoError(t, err)
		last = seq
		if i%2 == 1 { // a segment every two messages
			testkit.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
				if names, _ := archive.List(adir); len(names) < (i+1)/2 {
					return fmt.Errorf("%d segments", len(names))
				}
				return nil
			})
		}
	}
	testkit.CheckFor(t, 15*time.Second, 20*time.Millisecond, func() error {
		if m, err := st.Get(ctx, last-1); err != nil || m.Subject != "" {
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
	names, err := archive.List(adir)
	require.NoError(t, err)
	require.Len(t, names, 4)

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
