package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

// ackedWrite is a KV write a node acknowledged.
type ackedWrite struct {
	path, value string
	version     int
}

// TestClusterConcurrentWritesLoseNothing writes through all three nodes at
// once, to paths of their own and to paths they share (plain puts and
// check-and-set), and then reads every acknowledged write back from every
// node at its version. The only error a client may see is a check-and-set
// that lost to another write.
func TestClusterConcurrentWritesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("three nodes")
	}
	c := newTestCluster(t)
	require.NoError(t, c.client(0).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	// Keep every version, so each acknowledged one can be read back.
	_, err := c.client(0).Logical().Write("secret/config", map[string]any{"max_versions": 1_000_000})
	require.NoError(t, err)
	for i := range 3 {
		c.waitMount(i, "secret/")
	}
	// Steady state: one node elected, serving the others' appends. (While
	// none is, during an election, every node appends itself; see the
	// ledger package doc.)
	testkit.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if l := c.leaders(-1); len(l) != 1 {
			return fmt.Errorf("%d nodes run the singletons", len(l))
		}
		return nil
	})
	const (
		workersPerNode = 4
		duration       = 4 * time.Second
	)
	var (
		mu        sync.Mutex
		acked     []ackedWrite
		casLost   int
		failures  []string
		wg        sync.WaitGroup
		deadline  = time.Now().Add(duration)
		ctx       = context.Background()
		writesPer = make([]int, 3)
	)
	for node := range 3 {
		for w := range workersPerNode {
			wg.Add(1)
			go func() {
				defer wg.Done()
				kv := c.client(node).KVv2("secret")
				for n := 0; time.Now().Before(deadline); n++ {
					value := fmt.Sprintf("n%d-w%d-%d", node, w, n)
					var (
						path string
						opts []vault.KVOption
					)
					switch n % 3 {
					case 0: // a path of this worker's own
						path = fmt.Sprintf("own-%d-%d", node, w)
					case 1: // a path every node writes
						path = fmt.Sprintf("shared-%d", n%4)
					case 2: // check-and-set on a shared path
						path = "cas"
						cur, err := kv.GetMetadata(ctx, path)
						version := 0
						if err == nil {
							version = cur.CurrentVersion
						} else if !errors.Is(err, vault.ErrSecretNotFound) {
							mu.Lock()
							failures = append(failures, fmt.Sprintf("node %d: metadata: %v", node+1, err))
							mu.Unlock()
							continue
						}
						opts = append(opts, vault.WithCheckAndSet(version))
					}
					s, err := kv.Put(ctx, path, map[string]any{"v": value}, opts...)
					mu.Lock()
					switch {
					case err == nil:
						acked = append(acked, ackedWrite{path: path, value: value, version: s.VersionMetadata.Version})
						writesPer[node]++
					case len(opts) > 0 && strings.Contains(err.Error(), "check-and-set parameter did not match"):
						casLost++
					default:
						failures = append(failures, fmt.Sprintf("node %d: put %s: %v", node+1, path, err))
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	stats := c.writerStats()
	t.Logf("%d writes acknowledged in %s (%v per node), %d check-and-set lost; writers: %s",
		len(acked), duration, writesPer, casLost, stats)
	require.Empty(t, failures, "client-visible errors")
	for node := range 3 {
		require.NotZero(t, writesPer[node], "node %d acknowledged no write", node+1)
	}
	// No two acknowledged writes of a path got the same version.
	seen := map[string]string{}
	for _, a := range acked {
		key := fmt.Sprintf("%s@%d", a.path, a.version)
		require.NotContains(t, seen, key, "two writes acknowledged as %s: %s and %s", key, seen[key], a.value)
		seen[key] = a.value
	}
	// Every acknowledged write is readable on every node at its version.
	for node := range 3 {
		kv := c.client(node).KVv2("secret")
		for _, a := range acked {
			var got *vault.KVSecret
			var err error
			for range 100 {
				if got, err = kv.GetVersion(ctx, a.path, a.version); err == nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			require.NoError(t, err, "node %d: %s version %d", node+1, a.path, a.version)
			require.Equal(t, a.value, got.Data["v"], "node %d: %s version %d", node+1, a.path, a.version)
		}
	}
}

// waitMount polls node i until its routing table has mount.
func (c *testCluster) waitMount(i int, mount string) {
	cl := c.client(i)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mounts, err := cl.Sys().ListMounts()
		if err == nil {
			if _, ok := mounts[mount]; ok {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node %d: mount %s not seen: %v", i+1, mount, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writerStats sums what each node's ledger writer did.
func (c *testCluster) writerStats() string {
	var parts []string
	for i, n := range c.nodes {
		w := n.ledger.Writer()
		if w == nil {
			continue
		}
		s := w.Stats()
		parts = append(parts, fmt.Sprintf("node %d: %d msgs %d reqs %d conflicts %d resyncs %d retried",
			i+1, s.Messages, s.Requests, s.Conflicts, s.Resyncs, s.Retried))
	}
	return strings.Join(parts, "; ")
}
