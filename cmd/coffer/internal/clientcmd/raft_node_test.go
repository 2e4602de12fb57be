package clientcmd

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOperatorRaftThroughTheCLI runs `operator raft` against a real node.
func TestOperatorRaftThroughTheCLI(t *testing.T) {
	n := startDevNode(t)
	t.Setenv("COFFER_TOKEN", "root")
	addr := "-address=" + n.Addr
	cli := func(args ...string) (string, string, int) {
		t.Helper()
		return runCLI("", append([]string{"operator", "raft"}, append(args[:1:1], append([]string{addr}, args[1:]...)...)...)...)
	}
	out, stderr, code := cli("list-peers")
	require.Zero(t, code, stderr)
	require.Contains(t, out, "Node")
	require.Contains(t, out, "leader")

	file := filepath.Join(t.TempDir(), "coffer.snap")
	_, stderr, code = cli("snapshot", "save", file)
	require.Zero(t, code, stderr)
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var names []string
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		names = append(names, h.Name)
	}
	require.Equal(t, []string{"meta.json", "projections.sealed", "SHA256SUMS", "SHA256SUMS.sealed"}, names)

	_, stderr, code = cli("snapshot", "restore", file)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "never rewound")

	_, stderr, code = cli("remove-peer", "no-such-node")
	require.Equal(t, 2, code)
	require.Contains(t, strings.ToLower(stderr), "no stream has a replica")

	out, stderr, code = cli("autopilot", "state")
	require.Zero(t, code, stderr)
	require.Contains(t, out, "Healthy: true")
}
