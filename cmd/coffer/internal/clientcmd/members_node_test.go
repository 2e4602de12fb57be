package clientcmd

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOperatorMembersThroughTheCLI runs `operator members` against a real
// (single) node: it lists itself, serving, with its applied index, and
// the singletons it runs; -format=json gives the same facts.
func TestOperatorMembersThroughTheCLI(t *testing.T) {
	n := startDevNode(t)
	t.Setenv("COFFER_TOKEN", "root")
	// The node takes its singletons a moment after it serves (it wins the
	// election first): wait for the holder before reading the table.
	var out, stderr string
	var code int
	require.Eventually(t, func() bool {
		out, stderr, code = runCLI("", "operator", "members", "-address="+n.Addr)
		return code == 0 && regexp.MustCompile(`(?m)^singleton_holder\s+coffer\b`).MatchString(out)
	}, 30*time.Second, 100*time.Millisecond, "no singleton holder: %s %s", out, stderr)
	require.Contains(t, out, "Applied Index")
	require.Regexp(t, `(?m)^coffer\s+http://127\.0\.0\.1:\d+\s+serving\s+\d+\s+0\s+.*singletons`, out)
	require.Contains(t, out, "ledger writer")

	out, stderr, code = runCLI("", "operator", "members", "-address="+n.Addr, "-format=json")
	require.Zero(t, code, stderr)
	var v struct {
		Members []struct {
			NodeID    string `json:"node_id"`
			Reachable bool   `json:"reachable"`
			Applied   uint64 `json:"applied_index"`
			Leading   bool   `json:"leading"`
		} `json:"members"`
		LastIndex  uint64   `json:"last_index"`
		Singletons []string `json:"singletons"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v), out)
	require.Len(t, v.Members, 1)
	require.Equal(t, "coffer", v.Members[0].NodeID)
	require.True(t, v.Members[0].Reachable)
	require.True(t, v.Members[0].Leading)
	require.Positive(t, v.Members[0].Applied)
	require.Positive(t, v.LastIndex)
	require.Contains(t, v.Singletons, "lease scheduler")
}
