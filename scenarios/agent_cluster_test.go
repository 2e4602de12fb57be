package scenarios_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestAgentKeepsRenderingThroughClusterFailover: an agent follows the
// events of one node of a three-node cluster; the node leading the ledger
// stream (another one) is killed; a `kv put` through the agent's node after
// the failover reaches the agent's file without the agent being touched.
func TestAgentKeepsRenderingThroughClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: three coffer processes")
	}
	nodes := startCluster(t)
	root0 := nodes[0].Client(t)
	require.NoError(t, root0.Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	ha, err := root0.Logical().Read("sys/ha-status")
	require.NoError(t, err)
	var victim int
	_, err = fmt.Sscanf(ha.Data["stream_leader"].(string), "node%d", &victim)
	require.NoError(t, err)
	victim--
	home := nodes[(victim+1)%3]
	root := home.Client(t)

	putKV(t, root, "myapp/config", map[string]any{"api_key": "before-failover"})
	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	a := startAgentBin(t, harness.Binary(t), dir, writeAgentConfig(t, dir, tokenFileConfig(home.Addr, kvTemplate)))
	out := filepath.Join(dir, "config.env")
	waitFor(t, out, 30*time.Second, equals("API_KEY=before-failover"))

	nodes[victim].Kill()
	// The write is retried by the Vault client across the election (a
	// write the ledger cannot take yet is a 503; on a loaded machine the
	// stream's new leader can take longer than the client's default two
	// retries); once acknowledged, the agent has it within a few seconds
	// (pushed: its polling interval is an hour).
	root.SetMaxRetries(10)
	putKV(t, root, "myapp/config", map[string]any{"api_key": "after-failover"})
	_, took := waitFor(t, out, 10*time.Second, equals("API_KEY=after-failover"))
	t.Logf("re-rendered %s after the post-failover write was acknowledged", took.Round(time.Millisecond))
	require.Contains(t, a.out.String(), "event stream connected")
	require.NotContains(t, a.out.String(), "after-failover", "a secret reached the agent's log")
}
