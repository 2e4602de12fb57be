package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

// TestClusterNodeLosesDataDirRejoinsFromSnapshot: a snapshot is taken
// (`operator raft snapshot save -fresh`), more is written, one node's
// data dir is deleted; it rejoins, starts from the snapshot plus the
// ledger's tail (its log says so) and serves everything the others do.
func TestClusterNodeLosesDataDirRejoinsFromSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: three coffer processes")
	}
	nodes, key := startClusterWithKey(t)
	ctx := context.Background()
	require.NoError(t, nodes[0].Client(t).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	kv := nodes[0].Client(t).KVv2("secret")
	for i := range 10 {
		_, err := kv.Put(ctx, fmt.Sprintf("a/%d", i), map[string]any{"v": fmt.Sprint(i)})
		require.NoError(t, err)
	}
	file := t.TempDir() + "/snap"
	_, stderr, code := nodes[1].CLI(t, "operator", "raft", "snapshot", "save", "-fresh", file)
	require.Zero(t, code, stderr)
	for i := range 5 {
		_, err := kv.Put(ctx, fmt.Sprintf("tail/%d", i), map[string]any{"v": fmt.Sprint(i)})
		require.NoError(t, err)
	}

	victim := nodes[2]
	require.NoError(t, victim.Stop())
	require.NoError(t, os.RemoveAll(victim.DataDir))
	victim.Restart(t)
	require.Eventually(t, func() bool {
		st, err := victim.Client(t).Sys().Unseal(key)
		return err == nil && !st.Sealed
	}, 60*time.Second, 200*time.Millisecond)
	require.Eventually(t, func() bool {
		return strings.Contains(victim.Output(), "projections restored from a snapshot")
	}, 30*time.Second, 100*time.Millisecond, "the node started from the snapshot")
	got := victim.Client(t).KVv2("secret")
	for _, k := range []string{"a/0", "a/9", "tail/0", "tail/4"} {
		require.Eventually(t, func() bool {
			s, err := got.Get(ctx, k)
			return err == nil && s.Data["v"] == k[strings.Index(k, "/")+1:]
		}, 30*time.Second, 100*time.Millisecond, k)
	}
}
