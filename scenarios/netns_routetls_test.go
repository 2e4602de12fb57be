package scenarios_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testcert"
	"github.com/cofferhq/coffer/scenarios/harness"
	"github.com/cofferhq/coffer/scenarios/netns"
)

// TestNetnsClusterOverTLSRoutes starts three nodes with TLS listeners,
// whose embedded NATS servers therefore route to each other over mutual
// TLS, checks that they form one cluster and replicate a write, and that
// a fourth node whose certificate and CA are another CA's is refused by
// all three and joins nothing.
func TestNetnsClusterOverTLSRoutes(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: four coffer processes in network namespaces")
	}
	nt := netns.New(t, 4)
	ca := testcert.NewCA(t, "cluster-ca")
	nodes := make([]*netns.Proc, 3)
	for i := range 3 {
		// 127.0.0.1: where the test reaches the node's API.
		leaf := ca.Issue(t, fmt.Sprintf("node%d", i+1), nt.IP(i), "127.0.0.1")
		nodes[i] = startNetnsNode(t, nt, i, "https", ca.File,
			netnsConfig(nt, i, others(3, i), filepath.Join(t.TempDir(), "data"), &netnsTLS{leaf.CertFile, leaf.KeyFile, ca.File}))
	}
	initNetnsCluster(t, nodes)
	ha, err := nodes[0].Client(t).Logical().Read("sys/ha-status")
	require.NoError(t, err)
	require.Len(t, ha.Data["nodes"], 3, "the ledger stream's replicas: %v", ha.Data)

	require.NoError(t, nodes[0].Client(t).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	harness.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
		_, err := nodes[1].Client(t).KVv2("secret").Put(t.Context(), "over-tls", map[string]any{"v": "1"})
		return err
	})
	for _, p := range nodes {
		harness.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
			_, err := p.Client(t).KVv2("secret").Get(t.Context(), "over-tls")
			return err
		})
	}

	// The intruder: a certificate from another CA, which it also trusts.
	other := testcert.NewCA(t, "other-ca")
	leaf := other.Issue(t, "node4", nt.IP(3), "127.0.0.1")
	intruder := startNetnsNode(t, nt, 3, "https", other.File,
		netnsConfig(nt, 3, []int{0, 1, 2}, filepath.Join(t.TempDir(), "data"), &netnsTLS{leaf.CertFile, leaf.KeyFile, other.File}))
	// A node starts serving once its embedded server has found the
	// cluster's JetStream (the members did within seconds): the intruder,
	// refused by every member's route listener, never does, and keeps
	// trying.
	for until := time.Now().Add(20 * time.Second); time.Now().Before(until); time.Sleep(500 * time.Millisecond) {
		_, err := intruder.Health(t.Context())
		require.Error(t, err, "the intruder serves: it found a cluster to join")
		require.NoError(t, intruder.Exited(), "the intruder gave up; it must keep trying")
	}
	for _, p := range nodes {
		code, err := p.Health(t.Context())
		require.NoError(t, err)
		require.Equal(t, 200, code)
	}
	ha, err = nodes[2].Client(t).Logical().Read("sys/ha-status")
	require.NoError(t, err)
	require.Len(t, ha.Data["nodes"], 3)
	for _, peer := range ha.Data["nodes"].([]any) {
		require.NotEqual(t, "node4", peer.(map[string]any)["node_id"])
	}
}
