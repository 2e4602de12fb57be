package node

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

// TestClusterQuorumLossFailsFast stops two of three nodes: the survivor
// answers writes (and audited reads, which need an audit record in the
// ledger) with 503 at once and says why, serves sys/leader, answers
// sys/health with 429, and serves again when a peer returns.
func TestClusterQuorumLossFailsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("three nodes")
	}
	c := newTestCluster(t)
	ctx := context.Background()
	require.NoError(t, c.client(0).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	_, err := c.client(0).KVv2("secret").Put(ctx, "before", map[string]any{"v": "1"})
	require.NoError(t, err)

	c.stop(1)
	c.stop(2)
	n := c.nodes[0]
	// Once the monitor sees the loss, a write is refused within a second
	// or two, never after the publish timeout.
	testkit.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		start := time.Now()
		resp, body := rawRequest(t, n, http.MethodPut, "/v1/secret/data/during", c.root, `{"data":{"v":"x"}}`)
		took := time.Since(start)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "no quorum") {
			return fmt.Errorf("write answered %d after %s: %s", resp.StatusCode, took, body)
		}
		if took > 2*time.Second {
			return fmt.Errorf("refusal took %s", took)
		}
		return nil
	})
	resp, body := rawRequest(t, n, http.MethodGet, "/v1/secret/data/before", c.root, "")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "an audited read needs the ledger too: %s", body)
	resp, _ = rawRequest(t, n, http.MethodGet, "/v1/sys/health", "", "")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	resp, _ = rawRequest(t, n, http.MethodGet, "/v1/sys/health?standbyok=true", "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = rawRequest(t, n, http.MethodGet, "/v1/sys/leader", "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// One peer back: a quorum again, writes resume.
	c.restart(1)
	testkit.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		_, err := c.client(0).KVv2("secret").Put(ctx, "after", map[string]any{"v": "2"})
		return err
	})
	resp, _ = rawRequest(t, n, http.MethodGet, "/v1/sys/health", "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	c.readKV(1, "after", "2")
}

func TestLostPeer(t *testing.T) {
	set := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		prev, cur map[string]bool
		want      bool
	}{
		{set(), set(), false},
		{set(), set("node2"), false},                          // a peer joined
		{set("node2", "node3"), set("node2", "node3"), false}, // unchanged
		{set("node2", "node3"), set("node3"), true},           // node2's routes closed
		{set("node2"), set("node3"), true},                    // one left, one came
	} {
		require.Equal(t, tc.want, lostPeer(tc.prev, tc.cur), "%v -> %v", tc.prev, tc.cur)
	}
}
