package scenarios_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// pidOf finds a cluster node's process by its config file (the harness
// writes one per node, beside its data dir), so the test can pause it.
func pidOf(t *testing.T, s *harness.Server) int {
	t.Helper()
	want := "-config=" + filepath.Join(filepath.Dir(s.DataDir), "coffer.hcl")
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), want) {
			return pid
		}
	}
	t.Fatalf("no process runs %s", want)
	return 0
}

// behind freezes node s (SIGSTOP) while write runs on other nodes, then
// sends read to s while it is still frozen (the kernel queues the
// request) and resumes it: s answers the read the moment it wakes, before
// its projections have caught up with the write, unless the read waits.
func behind(t *testing.T, s *harness.Server, write func(), read func() error) error {
	t.Helper()
	pid := pidOf(t, s)
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	resumed := false
	defer func() {
		if !resumed {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	write()
	done := make(chan error, 1)
	go func() { done <- read() }()
	time.Sleep(300 * time.Millisecond) // the request is in s's socket
	require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
	resumed = true
	return <-done
}

// retryUnavailable runs fn until it succeeds or fails with something
// else than a 503: freezing a node on a loaded machine can cost the
// ledger stream its leader for a few seconds (the others elect one).
func retryUnavailable(t *testing.T, fn func() error) error {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		if statusOf(err) != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// put writes one secret, through a failover if it must.
func put(t *testing.T, c *vault.Client, key, value string) {
	t.Helper()
	require.NoError(t, retryUnavailable(t, func() error {
		_, err := c.KVv2("secret").Put(t.Context(), key, map[string]any{"v": value})
		return err
	}))
}

// strongRead reads secret/strong on s with strong consistency: by
// header on even rounds, by query parameter on odd ones.
func strongRead(t *testing.T, s *harness.Server, round int, v *any) error {
	if round%2 == 0 {
		r := s.Client(t)
		r.AddHeader("X-Coffer-Consistency", "strong")
		got, err := r.KVv2("secret").Get(t.Context(), "strong")
		if err == nil {
			*v = got.Data["v"]
		}
		return err
	}
	got, err := s.Client(t).Logical().ReadWithDataWithContext(t.Context(), "secret/data/strong", map[string][]string{"consistency": {"strong"}})
	if err == nil {
		*v = got.Data["data"].(map[string]any)["v"]
	}
	return err
}

// fill writes n secrets through c at once: a node frozen meanwhile has
// that much more to apply when it wakes.
func fill(t *testing.T, c *vault.Client, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- retryUnavailable(t, func() error {
				_, err := c.KVv2("secret").Put(t.Context(), fmt.Sprintf("filler/%d", i), map[string]any{"v": "x"})
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// clusterRoles reads sys/ha-status: the index of the node leading the
// ledger stream and of the one running the singletons (the elected
// writer every node forwards its appends to).
func clusterRoles(t *testing.T, nodes []*harness.Server) (streamLeader, singletons int) {
	t.Helper()
	streamLeader, singletons = -1, -1
	require.Eventually(t, func() bool {
		ha, err := nodes[0].Client(t).Logical().Read("sys/ha-status")
		if err != nil || ha == nil {
			return false
		}
		leader, _ := ha.Data["stream_leader"].(string)
		sing, _ := ha.Data["singletons"].(map[string]any)
		holder, _ := sing["holder"].(string)
		streamLeader, singletons = -1, -1
		for i := range nodes {
			id := fmt.Sprintf("node%d", i+1)
			if leader == id {
				streamLeader = i
			}
			if strings.HasPrefix(holder, id+"/") {
				singletons = i
			}
		}
		return streamLeader >= 0 && singletons >= 0
	}, 30*time.Second, 200*time.Millisecond, "no stream leader or singleton holder")
	return streamLeader, singletons
}

// TestClusterConsistency: read-your-writes with X-Vault-Index and
// strongly consistent reads across three coffer processes, and `coffer
// operator members`. The reading node is frozen (SIGSTOP) while another
// node writes, so when it resumes its projections are behind: a read
// that does not wait sees the past.
func TestClusterConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: three coffer processes")
	}
	nodes := startCluster(t)
	require.NoError(t, nodes[0].Client(t).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	leader, holder := clusterRoles(t, nodes)
	// The reader is a node that neither leads the stream nor takes the
	// appends, so freezing it stops no write; the writer is another.
	reader := 0
	for reader == leader || reader == holder {
		reader++
	}
	writer := (reader + 1) % 3
	ctx := t.Context()
	w := nodes[writer].Client(t)
	require.NoError(t, w.Sys().PutPolicy("reader", `path "secret/data/*" { capabilities = ["read"] }`))
	// A first KV write makes the data-key block later writes take their
	// keys from: those then append to the ledger only, whose leader is
	// not the frozen node.
	put(t, w, "warm-up", "x")

	t.Run("read your writes on another node", func(t *testing.T) {
		for round := range 3 {
			// The Vault Go client's own read-your-writes callbacks: the
			// write's X-Vault-Index, sent with the read.
			var index string
			rec := w.WithResponseCallbacks(vault.RecordState(&index))
			var tok *vault.Secret
			var got *vault.KVSecret
			err := behind(t, nodes[reader], func() {
				put(t, rec, "ryw", fmt.Sprint("round ", round))
				require.NotEmpty(t, index, "a write answers with X-Vault-Index")
				// A token minted on the writing node: the reading node
				// must know it before it authorises the read.
				require.NoError(t, retryUnavailable(t, func() (err error) {
					tok, err = rec.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"reader"}, TTL: "10m"})
					return err
				}))
			}, func() error {
				r := nodes[reader].Client(t)
				r.SetToken(tok.Auth.ClientToken)
				return retryUnavailable(t, func() (err error) {
					got, err = r.WithRequestCallbacks(vault.RequireState(index)).KVv2("secret").Get(ctx, "ryw")
					return err
				})
			})
			require.NoError(t, err, "round %d: a read with the write's index on node%d", round, reader+1)
			require.Equal(t, fmt.Sprint("round ", round), got.Data["v"])
		}
	})

	t.Run("the highest of several indexes counts", func(t *testing.T) {
		var index string
		put(t, w.WithResponseCallbacks(vault.RecordState(&index)), "several", "x")
		seq, err := strconv.ParseUint(index, 10, 64)
		require.NoError(t, err, "our index is the ledger sequence")
		// Vault's client sends every state it keeps; one from the future
		// must not be ignored because an older one came first.
		future := strconv.FormatUint(seq+1_000_000, 10)
		start := time.Now()
		_, err = nodes[reader].Client(t).WithRequestCallbacks(vault.RequireState(index, future)).KVv2("secret").Get(ctx, "several")
		require.Equal(t, http.StatusPreconditionFailed, statusOf(err), "%v", err)
		require.GreaterOrEqual(t, time.Since(start), 4*time.Second, "412 only after the wait")
	})

	t.Run("strong reads", func(t *testing.T) {
		for round := range 3 {
			value := fmt.Sprint("strong ", round)
			// No index: the reader learns how far to wait from the
			// stream's leader. By header, then by query parameter.
			var v any
			err := behind(t, nodes[reader], func() {
				fill(t, w, 32)
				put(t, w, "strong", value)
			}, func() error {
				return retryUnavailable(t, func() error { return strongRead(t, nodes[reader], round, &v) })
			})
			require.NoError(t, err)
			require.Equal(t, value, v, "round %d: a strong read on node%d missed an acknowledged write", round, reader+1)
		}
		// The control: the same read without asking usually sees the
		// past (logged, not asserted: it is a race it usually wins).
		var plain any
		err := behind(t, nodes[reader], func() {
			fill(t, w, 32)
			put(t, w, "strong", "control")
		}, func() error {
			got, err := nodes[reader].Client(t).KVv2("secret").Get(ctx, "strong")
			if err == nil {
				plain = got.Data["v"]
			}
			return err
		})
		require.NoError(t, err)
		t.Logf("control: a plain read on the node just resumed saw %q (written: \"control\")", plain)

		r := nodes[reader].Client(t)
		r.AddHeader("X-Coffer-Consistency", "sort-of")
		_, err = r.KVv2("secret").Get(ctx, "strong")
		require.Equal(t, http.StatusBadRequest, statusOf(err), "an unknown consistency is refused, not ignored")
	})

	t.Run("operator members", func(t *testing.T) {
		var view struct {
			Members []struct {
				NodeID       string `json:"node_id"`
				APIAddress   string `json:"api_address"`
				Reachable    bool   `json:"reachable"`
				Applied      uint64 `json:"applied_index"`
				Leading      bool   `json:"leading"`
				StreamLeader bool   `json:"stream_leader"`
			} `json:"members"`
			LastIndex       uint64   `json:"last_index"`
			SingletonHolder string   `json:"singleton_holder"`
			Singletons      []string `json:"singletons"`
		}
		// The frozen node may have led the election bucket's stream: the
		// singletons can be between holders for a few seconds after.
		var stdout, stderr string
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			var code int
			stdout, stderr, code = nodes[reader].CLI(t, "operator", "members", "-format=json")
			require.Zero(t, code, stderr)
			require.NoError(t, json.Unmarshal([]byte(stdout), &view), stdout)
			leading := 0
			for _, m := range view.Members {
				if m.Leading {
					leading++
				}
			}
			if (view.SingletonHolder != "" && leading == 1) || time.Now().After(deadline) {
				break
			}
		}
		require.Len(t, view.Members, 3, stdout)
		leaders, leading := 0, 0
		for i, m := range view.Members {
			require.Equal(t, fmt.Sprintf("node%d", i+1), m.NodeID)
			require.Equal(t, nodes[i].Addr, m.APIAddress)
			require.True(t, m.Reachable)
			require.Positive(t, m.Applied)
			require.LessOrEqual(t, m.Applied, view.LastIndex+1000, "applied index in the stream's range")
			if m.StreamLeader {
				leaders++
			}
			if m.Leading {
				leading++
				require.True(t, strings.HasPrefix(view.SingletonHolder, m.NodeID+"/"))
			}
		}
		require.Equal(t, 1, leaders, stdout)
		require.Equal(t, 1, leading, stdout)
		require.Contains(t, view.Singletons, "ledger writer")

		stdout, stderr, code := nodes[writer].CLI(t, "operator", "members")
		require.Zero(t, code, stderr)
		require.Contains(t, stdout, "Applied Index")
		for i := range 3 {
			require.Regexp(t, fmt.Sprintf(`(?m)^node%d\s+%s\s+serving\s+\d+\s+\d+`, i+1, nodes[i].Addr), stdout)
		}
	})
}
