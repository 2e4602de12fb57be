package node

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
)

// testCluster is three in-process nodes whose embedded NATS servers form
// one NATS cluster on random loopback ports, each with its own data dir.
type testCluster struct {
	t      *testing.T
	dirs   []string
	routes []string
	nodes  []*Node
	keys   []string
	root   string
}

func newTestCluster(t *testing.T) *testCluster {
	c := &testCluster{t: t, routes: testkit.FreeLoopbackAddrs(t, 3), nodes: make([]*Node, 3)}
	for range 3 {
		c.dirs = append(c.dirs, t.TempDir())
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.nodes[i], errs[i] = c.start(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			if n != nil {
				_ = n.Close()
			}
		}
	})
	init, err := clientFor(t, c.nodes[0], "").Sys().Init(&vault.InitRequest{SecretShares: 1, SecretThreshold: 1})
	require.NoError(t, err)
	c.keys, c.root = init.Keys, init.RootToken
	for i := range 3 {
		c.unseal(i)
	}
	return c
}

// start starts node i (sealed); its peers are the other two.
func (c *testCluster) start(i int) (*Node, error) {
	var peers []string
	for j, r := range c.routes {
		if j != i {
			peers = append(peers, r)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return Start(ctx, Config{
		DataDir: c.dirs[i], ListenAddr: "127.0.0.1:0",
		Cluster: &Cluster{NodeID: fmt.Sprintf("node-%d", i+1), Addr: c.routes[i], Peers: peers, FormWait: 45 * time.Second},
		Log:     slog.New(slog.NewTextHandler(testkit.LogWriter(), nil)).With("node", i+1),
	})
}

func (c *testCluster) unseal(i int) {
	cl := clientFor(c.t, c.nodes[i], "")
	testkit.CheckFor(c.t, 30*time.Second, 100*time.Millisecond, func() error {
		st, err := cl.Sys().Unseal(c.keys[0])
		if err != nil {
			return err
		}
		if st.Sealed {
			return errNotYet
		}
		return nil
	})
}

func (c *testCluster) client(i int) *vault.Client { return clientFor(c.t, c.nodes[i], c.root) }

// restart starts node i again on its data dir (the same route address).
func (c *testCluster) restart(i int) {
	n, err := c.start(i)
	require.NoError(c.t, err)
	c.nodes[i] = n
	c.unseal(i)
}

func (c *testCluster) stop(i int) {
	require.NoError(c.t, c.nodes[i].Close())
}

// readKV polls node i until secret path holds value (at any version) or
// the time runs out.
func (c *testCluster) readKV(i int, path, value string) {
	kv := c.client(i).KVv2("secret")
	testkit.CheckFor(c.t, 20*time.Second, 50*time.Millisecond, func() error {
		s, err := kv.Get(context.Background(), path)
		if err != nil {
			return err
		}
		if s.Data["v"] != value {
			return fmt.Errorf("node %d: %s = %v, want %s", i+1, path, s.Data["v"], value)
		}
		return nil
	})
}

func TestClusterWritesOnAnyNodeReadOnAll(t *testing.T) {
	if testing.Short() {
		t.Skip("three nodes")
	}
	c := newTestCluster(t)
	require.NoError(t, c.client(0).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	// The mount reaches the other nodes' projections a moment later (a
	// client that must not wait sends X-Vault-Index).
	for i := range 3 {
		testkit.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
			mounts, err := c.client(i).Sys().ListMounts()
			if err != nil {
				return err
			}
			if _, ok := mounts["secret/"]; !ok {
				return fmt.Errorf("node %d has no secret/ mount yet", i+1)
			}
			return nil
		})
	}
	ctx := context.Background()
	for i := range 3 {
		// Every node accepts writes: the embedded server forwards the
		// publish to the stream leader, wherever it is.
		_, err := c.client(i).KVv2("secret").Put(ctx, fmt.Sprintf("from-%d", i), map[string]any{"v": fmt.Sprint("written on ", i)})
		require.NoError(t, err, "node %d", i+1)
	}
	for i := range 3 {
		for j := range 3 {
			c.readKV(i, fmt.Sprintf("from-%d", j), fmt.Sprint("written on ", j))
		}
	}
	// Optimistic concurrency holds across nodes: check-and-set against a
	// version another node already superseded is refused.
	kv0, kv1 := c.client(0).KVv2("secret"), c.client(1).KVv2("secret")
	_, err := kv0.Put(ctx, "cas", map[string]any{"v": "1"}, vault.WithCheckAndSet(0))
	require.NoError(t, err)
	c.readKV(1, "cas", "1")
	_, err = kv1.Put(ctx, "cas", map[string]any{"v": "2"}, vault.WithCheckAndSet(1))
	require.NoError(t, err)
	_, err = kv0.Put(ctx, "cas", map[string]any{"v": "stale"}, vault.WithCheckAndSet(1))
	require.Error(t, err)

	// One node down: the other two keep a quorum and keep serving.
	c.stop(2)
	for i := range 2 {
		_, err := c.client(i).KVv2("secret").Put(ctx, fmt.Sprintf("while-down-%d", i), map[string]any{"v": "x"})
		require.NoError(t, err, "node %d with node 3 down", i+1)
	}
	// Back up, it catches up on what it missed.
	c.restart(2)
	for j := range 2 {
		c.readKV(2, fmt.Sprintf("while-down-%d", j), "x")
	}
	c.readKV(2, "cas", "2")
	_, err = c.client(2).KVv2("secret").Put(ctx, "after-restart", map[string]any{"v": "y"})
	require.NoError(t, err)
	c.readKV(0, "after-restart", "y")
}

// leaders lists the indexes of the running nodes that run the singletons.
func (c *testCluster) leaders(skip int) []int {
	var out []int
	for i, n := range c.nodes {
		if i != skip && n.Leading() {
			out = append(out, i)
		}
	}
	return out
}

func TestClusterSingletonsOnOneNodeAndFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("three nodes")
	}
	c := newTestCluster(t)
	var leader int
	testkit.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		l := c.leaders(-1)
		if len(l) != 1 {
			return fmt.Errorf("%d nodes run the singletons", len(l))
		}
		leader = l[0]
		return nil
	})
	// Every node reports the same holder, and the stream's three replicas.
	for i := range 3 {
		s, err := c.client(i).Logical().Read("sys/ha-status")
		require.NoError(t, err)
		sing := s.Data["singletons"].(map[string]any)
		require.Contains(t, sing["holder"], fmt.Sprintf("node-%d/", leader+1), "node %d", i+1)
		require.Equal(t, i == leader, sing["leading"])
		require.Len(t, s.Data["nodes"], 3)
		require.NotEmpty(t, s.Data["stream_leader"])
		// Every node answers for itself: its own applied index, and
		// only the holder says it leads (cluster/members).
		ms := s.Data["members"].([]any)
		require.Len(t, ms, 3, "node %d: members %v", i+1, ms)
		for j, v := range ms {
			m := v.(map[string]any)
			require.Equal(t, fmt.Sprintf("node-%d", j+1), m["node_id"])
			require.Equal(t, true, m["reachable"])
			require.Equal(t, j == leader, m["leading"], "node %d's view of node %d", i+1, j+1)
			applied, err := m["applied_index"].(json.Number).Int64()
			require.NoError(t, err)
			require.Positive(t, applied)
		}
		ldr, err := c.client(i).Sys().Leader()
		require.NoError(t, err)
		require.True(t, ldr.IsSelf, "every node is active")
	}
	// The leader dies (a crash: its lease is not handed over); another
	// node runs the singletons within 10 s.
	start := time.Now()
	c.nodes[leader].ns.Shutdown()
	c.stop(leader)
	testkit.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		if l := c.leaders(leader); len(l) != 1 {
			return fmt.Errorf("%d nodes run the singletons", len(l))
		}
		return nil
	})
	t.Logf("singletons moved after %s", time.Since(start).Round(time.Millisecond))
}

func TestExternalJetStream(t *testing.T) {
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: filepath.Join(t.TempDir(), "js"),
		Username: "coffer", Password: "nats-pw", NoLog: true, NoSigs: true,
	})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })

	dir := t.TempDir()
	n := startNode(t, dir, "root", func(c *Config) {
		c.External = &External{NodeID: "ext-1", Replicas: 1, Conn: ledger.ExternalConfig{URLs: []string{ns.ClientURL()}, User: "coffer", Password: "nats-pw"}}
	})
	_, err = clientFor(t, n, "root").KVv2("secret").Put(context.Background(), "a", map[string]any{"v": "1"})
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "nats"))
	require.True(t, os.IsNotExist(err), "the data dir holds only projections")
	st, err := n.clusterStatus(context.Background())
	require.NoError(t, err)
	require.True(t, st.Clustered)
	require.Greater(t, st.LastSeq, uint64(0))
}
