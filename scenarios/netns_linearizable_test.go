package scenarios_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/cluster"
	"github.com/cofferhq/coffer/scenarios/harness"
	"github.com/cofferhq/coffer/scenarios/netns"
)

// TestNetnsLinearizableCASWithPartition: issue 11's fault test 5 during
// fault test 2. Six clients, two on each node, strongly read and
// check-and-set a few keys while the node leading the ledger stream is
// cut off the network (its link taken down) and later healed; each
// client stays on its node throughout, so the cut node's clients keep
// asking it. The history is checked with porcupine against the KV v2
// model (scenarios/cluster); on top, the cut node acknowledges no write
// sent to it while it is cut, and the majority acknowledges writes
// again after the cut (its gap is reported).
func TestNetnsLinearizableCASWithPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: three coffer processes in network namespaces")
	}
	nt := netns.New(t, 3)
	nodes := startNetnsCluster(t, nt)
	require.NoError(t, nodes[0].Client(t).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	// Every version is kept (see TestClusterLinearizableCASWithLeaderKill).
	_, err := nodes[0].Client(t).Logical().Write("secret/config", map[string]any{"max_versions": 1_000_000})
	require.NoError(t, err)
	for i := range nodes {
		harness.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
			_, err := nodes[i].Client(t).KVv2("secret").Put(t.Context(), fmt.Sprintf("warm-up/%d", i), map[string]any{"v": "x"})
			return err
		})
	}
	victim := streamLeader(t, nodes[0])

	const (
		clients = 6
		keys    = 3
		phase   = 5 * time.Second // of traffic before the cut, after the majority's first write, after the heal
		// maxFailover bounds the wait for the majority's first write.
		maxFailover = 60 * time.Second
		opBudget    = 12 * time.Second
	)
	h := &history{start: time.Now()}
	fc := &faultClock{}
	var mu sync.Mutex
	var cutCall, healAt int64 // on h's clock
	var minorityAcks []string
	acked := func(id int, call, ret int64) {
		fc.acked(id, call, ret)
		mu.Lock()
		defer mu.Unlock()
		if id%3 == victim && cutCall != 0 && call > cutCall && (healAt == 0 || ret < healAt) {
			minorityAcks = append(minorityAcks, fmt.Sprintf("client %d: sent %s, acknowledged %s", id, time.Duration(call), time.Duration(ret)))
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	casClients(ctx, &wg, h, clients, keys, opBudget, acked, func(id int) *vault.Client {
		c := nodes[id%3].Client(t)
		c.AddHeader("X-Coffer-Consistency", "strong")
		return c
	})
	time.Sleep(phase)
	mu.Lock()
	cutCall = h.now()
	mu.Unlock()
	fc.fault(cutCall)
	nt.Cut(victim)
	cutAt := time.Now()
	fc.waitFirstAfter(maxFailover)
	time.Sleep(phase)
	waitHealth(t, nodes[victim], http.StatusTooManyRequests, 30*time.Second)
	mu.Lock()
	healAt = h.now()
	mu.Unlock()
	nt.Heal(victim)
	t.Logf("node%d (stream leader) cut off for %s", victim+1, time.Since(cutAt).Round(time.Millisecond))
	waitHealth(t, nodes[victim], http.StatusOK, 60*time.Second)
	time.Sleep(phase) // the healed node's clients read and write again
	cancel()
	wg.Wait()

	// Last, a strong read of every key on every node, the healed one too.
	for i, p := range nodes {
		c := p.Client(t)
		c.AddHeader("X-Coffer-Consistency", "strong")
		for k := range keys {
			key := fmt.Sprintf("lin/%d", k)
			harness.Eventually(t, 30*time.Second, 200*time.Millisecond, func() error {
				call := h.now()
				got, ok := casRead(t.Context(), c, key)
				if !ok {
					return fmt.Errorf("node%d: strong read of %s failed", i+1, key)
				}
				h.add(porcupine.Operation{ClientId: clients + i, Call: call, Return: h.now(), Input: cluster.Op{Key: key}, Output: got})
				return nil
			})
		}
	}

	mu.Lock()
	require.Empty(t, minorityAcks, "the cut-off node acknowledged writes")
	mu.Unlock()
	checkLinearizable(t, h)
	require.True(t, fc.recovered(), "no write was acknowledged after the cut")
	t.Logf("failover gap (last acknowledged write before node%d was cut off to the first after): %s", victim+1, fc.gap().Round(time.Millisecond))
}
