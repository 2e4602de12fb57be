package scenarios_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
	"github.com/cofferhq/coffer/scenarios/netns"
)

// netnsAPIPort is every node's API port; routes listen on the next one
// (Vault's default cluster port). Each node has its own namespace, so
// the ports never collide with each other or with the host.
const netnsAPIPort = 8200

// netnsTLS is a node's listener certificate and the CA it verifies its
// peers' by.
type netnsTLS struct{ cert, key, ca string }

// netnsConfig is the tutorial's raft stanza for node i, joining the nodes
// in peers by their addresses on the namespaces' bridge; with tls the
// listener, and so the routes, use TLS.
func netnsConfig(nt *netns.Net, i int, peers []int, dataDir string, tls *netnsTLS) string {
	scheme, listener, ca := "http", "  tls_disable = true\n", ""
	if tls != nil {
		scheme = "https"
		listener = fmt.Sprintf("  tls_cert_file = %q\n  tls_key_file  = %q\n", tls.cert, tls.key)
		ca = fmt.Sprintf("    leader_ca_cert_file = %q\n", tls.ca)
	}
	joins := ""
	for _, j := range peers {
		joins += fmt.Sprintf("  retry_join {\n    leader_api_addr = \"%s://%s:%d\"\n%s  }\n", scheme, nt.IP(j), netnsAPIPort, ca)
	}
	return fmt.Sprintf(`storage "raft" {
  path    = %q
  node_id = "node%d"
%s}
listener "tcp" {
  address = "0.0.0.0:%d"
%s}
api_addr     = "%s://%s:%d"
cluster_addr = "%s://%s:%d"
`, dataDir, i+1, joins, netnsAPIPort, listener, scheme, nt.IP(i), netnsAPIPort, scheme, nt.IP(i), netnsAPIPort+1)
}

// others is 0..n-1 without i.
func others(n, i int) []int {
	var out []int
	for j := range n {
		if j != i {
			out = append(out, j)
		}
	}
	return out
}

// startNetnsCluster runs three coffer nodes, one per namespace, and
// initialises and unseals them.
func startNetnsCluster(t *testing.T, nt *netns.Net) []*netns.Proc {
	t.Helper()
	nodes := make([]*netns.Proc, 3)
	for i := range 3 {
		nodes[i] = startNetnsNode(t, nt, i, "http", "", netnsConfig(nt, i, others(3, i), filepath.Join(t.TempDir(), "data"), nil))
	}
	initNetnsCluster(t, nodes)
	return nodes
}

// startNetnsNode starts coffer in node i's namespace on the config text
// and waits until its API answers (scheme://127.0.0.1:8200, trusting
// caCert when it is not empty).
func startNetnsNode(t *testing.T, nt *netns.Net, i int, scheme, caCert, config string) *netns.Proc {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "coffer.hcl")
	require.NoError(t, os.WriteFile(cfg, []byte(config), 0o600))
	p := nt.Start(t, i, fmt.Sprintf("%s://127.0.0.1:%d", scheme, netnsAPIPort), harness.Binary(t), "server", "-config="+cfg)
	p.CACert = caCert
	return p
}

// initNetnsCluster waits for the nodes' APIs, initialises the cluster
// through the first and unseals every node.
func initNetnsCluster(t *testing.T, nodes []*netns.Proc) {
	t.Helper()
	for _, p := range nodes {
		harness.Eventually(t, 90*time.Second, 100*time.Millisecond, func() error {
			_, err := p.Health(t.Context())
			return err
		})
	}
	// A node answers before its embedded server has found the others;
	// init then waits for the cluster's JetStream, longer than a
	// request's usual 30 s on a loaded machine (the HTTP client's own
	// timeout, which SetClientTimeout does not lift).
	cfg := vault.DefaultConfig()
	cfg.Address, cfg.MaxRetries, cfg.HttpClient = nodes[0].Addr, 0, nodes[0].HTTPClient(3*time.Minute)
	c, err := vault.NewClient(cfg)
	require.NoError(t, err)
	init, err := c.Sys().Init(&vault.InitRequest{SecretShares: 1, SecretThreshold: 1})
	require.NoError(t, err)
	for _, p := range nodes {
		p.Token = init.RootToken
		st, err := p.Client(t).Sys().Unseal(init.Keys[0])
		require.NoError(t, err)
		require.False(t, st.Sealed)
	}
	for _, p := range nodes {
		waitHealth(t, p, http.StatusOK, 60*time.Second)
	}
}

// waitHealth waits until the node's sys/health answers code.
func waitHealth(t *testing.T, p *netns.Proc, code int, within time.Duration) {
	t.Helper()
	harness.Eventually(t, within, 100*time.Millisecond, func() error {
		got, err := p.Health(t.Context())
		if err != nil {
			return err
		}
		if got != code {
			return fmt.Errorf("sys/health %d, want %d", got, code)
		}
		return nil
	})
}

// TestNetnsPartitionMinorityRefusesAndCatchesUp cuts one node of three off
// the network (its veth taken down), and checks that it acknowledges no
// write while cut (503; sys/health 429), that the other two keep
// accepting writes, and that once healed it serves every write it
// missed, as the majority does. It cuts a follower of the ledger stream
// first, then the stream's leader (the majority must elect another).
func TestNetnsPartitionMinorityRefusesAndCatchesUp(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: three coffer processes in network namespaces")
	}
	start := time.Now()
	nt := netns.New(t, 3)
	nodes := startNetnsCluster(t, nt)
	t.Logf("cluster up in %s", time.Since(start).Round(time.Millisecond))
	require.NoError(t, nodes[0].Client(t).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	for i := range 3 {
		harness.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
			_, err := nodes[i].Client(t).KVv2("secret").Put(t.Context(), fmt.Sprintf("before/%d", i), map[string]any{"v": "old"})
			return err
		})
	}
	leader := streamLeader(t, nodes[0])
	partitionRound(t, nt, nodes, (leader+1)%3, "follower")
	partitionRound(t, nt, nodes, streamLeader(t, nodes[0]), "leader")
	t.Logf("partition test took %s", time.Since(start).Round(time.Millisecond))
}

// streamLeader is the index of the node leading the ledger stream.
func streamLeader(t *testing.T, p *netns.Proc) int {
	t.Helper()
	var leader int
	harness.Eventually(t, 30*time.Second, 200*time.Millisecond, func() error {
		ha, err := p.Client(t).Logical().Read("sys/ha-status")
		if err != nil {
			return err
		}
		name, _ := ha.Data["stream_leader"].(string)
		if _, err := fmt.Sscanf(name, "node%d", &leader); err != nil {
			return fmt.Errorf("stream leader %q: %w", name, err)
		}
		return nil
	})
	return leader - 1
}

// partitionRound cuts nodes[victim] off, writes through the other two,
// heals the cut and compares what the victim serves with the majority.
// Its keys live under round/.
func partitionRound(t *testing.T, nt *netns.Net, nodes []*netns.Proc, victim int, round string) {
	ctx := t.Context()
	majority := []*netns.Proc{nodes[(victim+1)%3], nodes[(victim+2)%3]}
	ha, err := majority[0].Client(t).Logical().Read("sys/ha-status")
	require.NoError(t, err)
	singletons, _ := ha.Data["singletons"].(map[string]any)
	t.Logf("%s round: cutting node%d off (stream leader %v, singletons on %v)", round, victim+1, ha.Data["stream_leader"], singletons["holder"])
	nt.Cut(victim)
	cutAt := time.Now()

	// Every write sent to the victim from now until the heal must fail.
	minority := nodes[victim].Client(t).KVv2("secret")
	mctx, stopMinority := context.WithCancel(ctx)
	var mwg sync.WaitGroup
	var mu sync.Mutex
	var minorityAcks []string
	minorityCodes := map[int]int{}
	mwg.Go(func() {
		for n := 0; mctx.Err() == nil; n++ {
			wctx, cancel := context.WithTimeout(mctx, 15*time.Second)
			_, err := minority.Put(wctx, round+"/minority", map[string]any{"v": fmt.Sprint(n)})
			cancel()
			mu.Lock()
			if err == nil {
				minorityAcks = append(minorityAcks, fmt.Sprint(n))
			} else {
				minorityCodes[statusOf(err)]++
			}
			mu.Unlock()
			time.Sleep(200 * time.Millisecond)
		}
	})

	// The majority keeps serving writes: new keys and new versions of
	// old ones.
	type ack struct {
		version int
		value   string
	}
	acked := map[string]ack{}
	var firstOK time.Time
	for n := range 20 {
		key := fmt.Sprintf("%s/%d", round, n)
		if n%5 == 0 {
			key = fmt.Sprintf("before/%d", n/5%3)
		}
		value := fmt.Sprintf("%s-%d", round, n)
		p := majority[n%2]
		harness.Eventually(t, 30*time.Second, 100*time.Millisecond, func() error {
			put, err := p.Client(t).KVv2("secret").Put(ctx, key, map[string]any{"v": value})
			if err != nil {
				return err
			}
			acked[key] = ack{put.VersionMetadata.Version, value}
			return nil
		})
		if firstOK.IsZero() {
			firstOK = time.Now()
		}
	}
	t.Logf("majority: first write acknowledged %s after the cut, 20 in %s",
		firstOK.Sub(cutAt).Round(time.Millisecond), time.Since(cutAt).Round(time.Millisecond))

	waitHealth(t, nodes[victim], http.StatusTooManyRequests, 30*time.Second)
	t.Logf("node%d answers sys/health 429 %s after the cut", victim+1, time.Since(cutAt).Round(time.Millisecond))
	_, err = minority.Put(ctx, round+"/minority", map[string]any{"v": "refused"})
	require.Equal(t, http.StatusServiceUnavailable, statusOf(err), "a write on the cut-off node: %v", err)
	_, err = minority.Get(ctx, "before/0")
	require.Equal(t, http.StatusServiceUnavailable, statusOf(err), "a read on the cut-off node (audited first): %v", err)
	for _, p := range majority {
		code, err := p.Health(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code, "a majority node's sys/health during the partition")
	}

	stopMinority()
	mwg.Wait()
	mu.Lock()
	require.Empty(t, minorityAcks, "the cut-off node acknowledged writes")
	t.Logf("writes the cut-off node did not acknowledge, by status (0: no answer before the heal): %v", minorityCodes)
	mu.Unlock()

	nt.Heal(victim)
	healAt := time.Now()
	waitHealth(t, nodes[victim], http.StatusOK, 60*time.Second)
	t.Logf("node%d serves again %s after the heal", victim+1, time.Since(healAt).Round(time.Millisecond))

	// It serves everything it missed, exactly as the majority does.
	healed := nodes[victim].Client(t).KVv2("secret")
	for key, a := range acked {
		harness.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
			got, err := healed.Get(ctx, key)
			if err != nil {
				return err
			}
			if got.VersionMetadata.Version < a.version {
				return fmt.Errorf("%s: version %d, want %d", key, got.VersionMetadata.Version, a.version)
			}
			return nil
		})
		old, err := healed.GetVersion(ctx, key, a.version)
		require.NoError(t, err)
		require.Equal(t, a.value, old.Data["v"], "node%d %s version %d", victim+1, key, a.version)
	}
	for _, dir := range []string{"before", round} {
		want, err := majority[0].Client(t).Logical().List("secret/metadata/" + dir)
		require.NoError(t, err)
		got, err := nodes[victim].Client(t).Logical().List("secret/metadata/" + dir)
		require.NoError(t, err)
		require.ElementsMatch(t, want.Data["keys"], got.Data["keys"], "keys under %s/", dir)
		for _, k := range want.Data["keys"].([]any) {
			key := dir + "/" + k.(string)
			w, err := majority[0].Client(t).KVv2("secret").Get(ctx, key)
			require.NoError(t, err)
			g, err := healed.Get(ctx, key)
			require.NoError(t, err)
			require.Equal(t, w.Data, g.Data, key)
			require.Equal(t, w.VersionMetadata.Version, g.VersionMetadata.Version, key)
		}
	}
}
