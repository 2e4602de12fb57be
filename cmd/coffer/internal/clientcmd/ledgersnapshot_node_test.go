package clientcmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOperatorSnapshotThroughTheCLI runs `operator snapshot` against a
// real node: save writes a whole backup that inspect lists; a cut copy is
// refused by inspect and by restore before anything is sent; a restore
// into the node that took it is refused, as into any deployment holding
// data; a token without sudo cannot save.
func TestOperatorSnapshotThroughTheCLI(t *testing.T) {
	n := startDevNode(t)
	t.Setenv("COFFER_TOKEN", "root")
	addr := "-address=" + n.Addr
	cli := func(args ...string) (string, string, int) {
		t.Helper()
		return runCLI("", append([]string{"operator", "snapshot"}, append(args[:1:1], append([]string{addr}, args[1:]...)...)...)...)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "ledger.backup")
	out, stderr, code := cli("save", file)
	require.Zero(t, code, stderr)
	require.Contains(t, out, "COFFER_LEDGER")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left beside the backup")

	out, stderr, code = runCLI("", "operator", "snapshot", "inspect", file)
	require.Zero(t, code, stderr)
	require.Regexp(t, `COFFER_LEDGER\s+\d+\s+\d+\s+\d+`, out)

	data, err := os.ReadFile(file)
	require.NoError(t, err)
	cut := filepath.Join(dir, "cut.backup")
	require.NoError(t, os.WriteFile(cut, data[:len(data)-1], 0o600))
	_, stderr, code = runCLI("", "operator", "snapshot", "inspect", cut)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "truncated")
	_, stderr, code = cli("restore", cut)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "truncated")

	_, stderr, code = cli("restore", file)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "409")
	require.Contains(t, stderr, "new deployment")

	t.Setenv("COFFER_TOKEN", "not-a-token")
	_, _, code = cli("save", filepath.Join(dir, "denied.backup"))
	require.Equal(t, 2, code)
	_, err = os.Stat(filepath.Join(dir, "denied.backup"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
