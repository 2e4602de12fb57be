package clientcmd

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/node"
)

// startDevNode runs an in-process dev node whose root token is "root".
func startDevNode(t *testing.T) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// readBundle returns the bundle's files by name (without the directory).
func readBundle(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[hdr.Name[strings.IndexByte(hdr.Name, '/')+1:]] = string(b)
	}
}

// TestDebugBundleFromARealNode runs `coffer debug` against an in-process
// node with the root token, then with a token that may read nothing.
func TestDebugBundleFromARealNode(t *testing.T) {
	n := startDevNode(t)
	t.Setenv("COFFER_TOKEN", "root")
	_, stderr, code := runCLI("", "kv", "put", "-address="+n.Addr, "secret/app", "password=hunter2")
	require.Zero(t, code, stderr)

	out := filepath.Join(t.TempDir(), "bundle.tar.gz")
	stdout, stderr, code := runCLI("", "debug", "-address="+n.Addr, "-output="+out)
	require.Zero(t, code, stderr)
	require.Contains(t, stdout, "Success! Wrote the debug bundle")
	files := readBundle(t, out)
	for _, name := range []string{"config.json", "health.json", "seal-status.json", "metrics.prom", "metrics.json", "goroutines.txt", "heap.prof", "logs.txt", "ledger-stats.json", "index.json"} {
		require.Contains(t, files, name)
	}
	require.Contains(t, files["metrics.prom"], "coffer_projection_lag_messages")
	require.Contains(t, files["goroutines.txt"], "goroutine ")
	require.Contains(t, files["ledger-stats.json"], `"messages"`)
	var index []debugIndexEntry
	require.NoError(t, json.Unmarshal([]byte(files["index.json"]), &index))
	for _, e := range index {
		require.Empty(t, e.Error, e.File)
	}
	for name, body := range files {
		require.NotContains(t, body, "hunter2", "%s holds the secret", name)
	}

	// A second run never overwrites the first.
	_, _, code = runCLI("", "debug", "-address="+n.Addr, "-output="+out)
	require.Equal(t, 1, code)

	// A token without sudo gets a bundle of what it may read, each refusal
	// noted.
	t.Setenv("COFFER_TOKEN", "nobody")
	out2 := filepath.Join(t.TempDir(), "partial.tar.gz")
	_, stderr, code = runCLI("", "debug", "-address="+n.Addr, "-output="+out2)
	require.Zero(t, code, stderr)
	require.Contains(t, stderr, "Skipped heap.prof")
	files = readBundle(t, out2)
	require.NotContains(t, files, "heap.prof")
	require.Contains(t, files, "health.json", "sys/health needs no token")
}
