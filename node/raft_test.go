package node

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

// untar reads a gzip'd tar into a map of file name to contents, and the
// names in order.
func untar(t *testing.T, b []byte) (map[string][]byte, []string) {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, names
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[h.Name] = data
		names = append(names, h.Name)
	}
}

// TestOperatorRaftEndpoints drives the raft endpoints through HashiCorp's
// client, as `vault operator raft` does.
func TestOperatorRaftEndpoints(t *testing.T) {
	n := startNode(t, t.TempDir(), "root", withSnapshots(never))
	c := clientFor(t, n, "root")
	_, err := c.KVv2("secret").Put(context.Background(), "app", map[string]any{"password": "hunter2-plaintext"})
	require.NoError(t, err)

	// snapshot save: the client checks the archive ends in a non-empty
	// SHA256SUMS.sealed.
	var buf bytes.Buffer
	require.NoError(t, c.Sys().RaftSnapshot(&buf))
	files, names := untar(t, buf.Bytes())
	require.Equal(t, []string{"meta.json", "projections.sealed", "SHA256SUMS", "SHA256SUMS.sealed"}, names)
	var meta map[string]any
	require.NoError(t, json.Unmarshal(files["meta.json"], &meta))
	require.Greater(t, meta["index"].(float64), 0.0)
	require.GreaterOrEqual(t, meta["ledger_last_index"].(float64), meta["index"].(float64))
	require.NotContains(t, string(files["projections.sealed"]), "hunter2-plaintext")
	st, err := n.snapshotStore()
	require.NoError(t, err)
	latest, err := st.Latest(context.Background())
	require.NoError(t, err)
	require.Equal(t, latest.Name, meta["name"], "none was stored: one was taken for the save")

	// restore is refused with the reason, force or not.
	for _, force := range []bool{false, true} {
		err = c.Sys().RaftSnapshotRestore(bytes.NewReader(buf.Bytes()), force)
		require.ErrorContains(t, err, "never rewound")
	}

	// autopilot/state: one healthy voter, the stream leader.
	ap, err := c.Sys().RaftAutopilotState()
	require.NoError(t, err)
	require.True(t, ap.Healthy)
	require.Len(t, ap.Servers, 1)
	require.Equal(t, 0, ap.FailureTolerance)

	// remove-peer of a server holding no replica is a 400.
	_, err = c.Logical().Write("sys/storage/raft/remove-peer", map[string]any{"server_id": "no-such-node"})
	var re *vault.ResponseError
	require.ErrorAs(t, err, &re)
	require.Equal(t, http.StatusBadRequest, re.StatusCode)
}
