package scenarios_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// singleNodeConfig is a production (sealed at start) one-node config.
const singleNodeConfig = `
storage "ledger" {
  path = "{{DATA}}"
}
listener "tcp" {
  address     = "{{ADDR}}"
  tls_disable = true
}
`

// TestClusterLedgerBackupRestoresIntoNewDeployment: secrets written to a
// one-node deployment are backed up (`operator snapshot save`, JetStream's
// stream snapshots); broken copies of the backup are refused by a new,
// not initialised three-node cluster without changing it; the good one
// restores into it (every stream at three replicas), and once each node
// is unsealed with the source's key every node serves every secret at
// its version and `coffer ledger verify` passes. A second restore is
// refused: the deployment holds data. (The other direction, a cluster's
// backup into a new cluster or node, runs in-process in cluster/backup.)
func TestClusterLedgerBackupRestoresIntoNewDeployment(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: four coffer processes")
	}
	src := harness.Start(t, harness.Options{Config: singleNodeConfig})
	init, err := src.Client(t).Sys().Init(&vault.InitRequest{SecretShares: 1, SecretThreshold: 1})
	require.NoError(t, err)
	key := init.Keys[0]
	src.Token = init.RootToken
	us, err := src.Client(t).Sys().Unseal(key)
	require.NoError(t, err)
	require.False(t, us.Sealed)
	ctx := context.Background()
	require.NoError(t, src.Client(t).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	want := map[string]string{}
	for i := range 12 {
		k := fmt.Sprintf("app/%d", i)
		for v := range 2 { // two versions each: the history comes back too
			want[k] = fmt.Sprintf("backup-canary-value-%02d-%d", i, v)
			_, err := src.Client(t).KVv2("secret").Put(ctx, k, map[string]any{"v": want[k]})
			require.NoError(t, err)
		}
	}
	// A signed checkpoint covers the writes before the backup is taken,
	// so the restored copy has one to verify.
	harness.Eventually(t, 30*time.Second, 250*time.Millisecond, func() error {
		out, stderr, code := src.CLI(t, "ledger", "verify")
		if code != 0 {
			return fmt.Errorf("ledger verify: %d %s %s", code, out, stderr)
		}
		return nil
	})

	dir := t.TempDir()
	file := filepath.Join(dir, "ledger.backup")
	out, stderr, code := src.CLI(t, "operator", "snapshot", "save", file)
	require.Zero(t, code, stderr)
	require.Contains(t, out, "COFFER_LEDGER")
	st, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	for _, v := range want {
		require.Empty(t, harness.ScanForBytes(t, dir, harness.Encodings([]byte(v))...), "the backup holds no secret in clear")
	}
	out, stderr, code = src.CLI(t, "operator", "snapshot", "inspect", file)
	require.Zero(t, code, stderr)
	require.Contains(t, out, "COFFER_DATAKEYS")

	nodes := launchCluster(t)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	cut := filepath.Join(dir, "cut.backup")
	require.NoError(t, os.WriteFile(cut, data[:len(data)*2/3], 0o600))
	flipped := filepath.Join(dir, "flipped.backup")
	data[len(data)/2] ^= 0x40
	require.NoError(t, os.WriteFile(flipped, data, 0o600))
	for name, f := range map[string]string{"truncated": cut, "corrupt": flipped} {
		_, stderr, code := nodes[2].CLI(t, "operator", "snapshot", "restore", f)
		require.NotZero(t, code, "%s backup restored", name)
		require.Contains(t, stderr, "backup: the file is "+name, name)
	}
	// The server refuses it too when a client skips the check.
	body, err := os.Open(cut)
	require.NoError(t, err)
	defer body.Close()
	req, err := http.NewRequest(http.MethodPut, nodes[2].Addr+"/v1/sys/storage/ledger/snapshot", body)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	seal, err := nodes[0].Client(t).Sys().SealStatus()
	require.NoError(t, err)
	require.False(t, seal.Initialized, "refused backups leave the deployment new")

	out, stderr, code = nodes[1].CLI(t, "operator", "snapshot", "restore", file)
	require.Zero(t, code, stderr)
	require.Contains(t, out, "Restored")
	for i, n := range nodes {
		n.Token = init.RootToken
		seal, err := n.Client(t).Sys().SealStatus()
		require.NoError(t, err)
		require.True(t, seal.Initialized && seal.Sealed, "node%d: %+v", i+1, seal)
		us, err := n.Client(t).Sys().Unseal(key)
		require.NoError(t, err)
		require.False(t, us.Sealed)
	}
	for i, n := range nodes {
		kv := n.Client(t).KVv2("secret")
		for k, v := range want {
			harness.Eventually(t, 30*time.Second, 100*time.Millisecond, func() error {
				s, err := kv.Get(ctx, k)
				if err != nil {
					return err
				}
				if s.Data["v"] != v || s.VersionMetadata.Version != 2 {
					return fmt.Errorf("node%d %s: %v at version %d", i+1, k, s.Data["v"], s.VersionMetadata.Version)
				}
				return nil
			})
		}
	}
	ha, err := nodes[0].Client(t).Logical().Read("sys/storage/raft/configuration")
	require.NoError(t, err)
	servers := ha.Data["config"].(map[string]any)["servers"].([]any)
	require.Len(t, servers, 3, "the restored ledger stream has three replicas")
	out, stderr, code = nodes[2].CLI(t, "ledger", "verify")
	require.Zero(t, code, "ledger verify on the restored copy: %s %s", out, stderr)
	_, err = nodes[0].Client(t).KVv2("secret").Put(ctx, "after/restore", map[string]any{"v": "1"})
	require.NoError(t, err, "the restored ledger takes writes")

	_, stderr, code = nodes[0].CLI(t, "operator", "snapshot", "restore", file)
	require.NotZero(t, code)
	require.Contains(t, stderr, "new deployment")
	require.True(t, strings.Contains(stderr, "409"), stderr)
}
