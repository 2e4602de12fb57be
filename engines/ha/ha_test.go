package ha

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cluster/members"
)

func TestStatusShapes(t *testing.T) {
	st := Status{
		NodeID: "n2", APIAddr: "https://n2:8200", Clustered: true, StreamLeader: "n1",
		Peers: []Peer{
			{Name: "n1", Leader: true, Current: true},
			{Name: "n2", Current: true, Active: 120 * time.Millisecond},
			{Name: "n3", Lag: 4, Active: 3 * time.Second},
		},
		LastSeq: 40, Applied: 37, SingletonHolder: "n3/ab12", SingletonToken: 9,
	}
	hs := haStatus(st)
	require.Equal(t, uint64(3), hs["lag"])
	nodes := hs["nodes"].([]map[string]any)
	require.Len(t, nodes, 3)
	require.Equal(t, "https://n2:8200", nodes[1]["api_address"])
	require.Equal(t, "", nodes[0]["api_address"])
	require.Equal(t, true, nodes[0]["stream_leader"])
	require.Equal(t, int64(3000), nodes[2]["last_echo_ms"])
	sing := hs["singletons"].(map[string]any)
	require.Equal(t, "n3/ab12", sing["holder"])
	require.Equal(t, false, sing["leading"])
	require.Equal(t, "n3/ab12", sing["services"].(map[string]any)["lease scheduler"])

	l := leader(st)
	require.Equal(t, true, l["is_self"])
	require.Equal(t, true, l["ha_enabled"])
	require.Equal(t, uint64(37), l["raft_applied_index"])

	servers := raftConfiguration(st)["config"].(map[string]any)["servers"].([]map[string]any)
	require.Len(t, servers, 3)
	require.Equal(t, true, servers[0]["leader"])

	// Members: each answering node's own applied index and lag, then the
	// replica that did not answer.
	st.Members = []members.Member{{NodeID: "n1", APIAddr: "https://n1:8200", Applied: 40}, {NodeID: "n2", APIAddr: "https://n2:8200", Applied: 37, Leading: true}}
	st.Singletons = []string{"ledger writer", "checkpointer"}
	hs = haStatus(st)
	ms := hs["members"].([]map[string]any)
	require.Len(t, ms, 3)
	require.Equal(t, map[string]any{"node_id": "n1", "api_address": "https://n1:8200", "reachable": true, "applied_index": uint64(40), "lag": uint64(0), "leading": false, "stream_leader": true}, ms[0])
	require.Equal(t, uint64(3), ms[1]["lag"])
	require.Equal(t, true, ms[1]["leading"])
	require.Equal(t, "n3", ms[2]["node_id"])
	require.Equal(t, false, ms[2]["reachable"])
	require.Equal(t, map[string]any{"ledger writer": "n3/ab12", "checkpointer": "n3/ab12"}, hs["singletons"].(map[string]any)["services"])

	// An applied index past the last sequence read (the stream info was
	// taken first) is no negative lag.
	st.Applied = 41
	require.Equal(t, uint64(0), haStatus(st)["lag"])
}

func TestAutopilotState(t *testing.T) {
	st := Status{StreamLeader: "n1", LastSeq: 50, Peers: []Peer{
		{Name: "n1", Leader: true, Current: true},
		{Name: "n2", Current: true, Lag: 2, Active: 80 * time.Millisecond},
		{Name: "n3", Offline: true, Lag: 30, Active: 9 * time.Second},
	}}
	ap := autopilotState(st)
	require.Equal(t, false, ap["healthy"])
	require.Equal(t, 0, ap["failure_tolerance"], "two healthy of three: losing one more loses the quorum")
	require.Equal(t, "n1", ap["leader"])
	servers := ap["servers"].(map[string]any)
	n3 := servers["n3"].(map[string]any)
	require.Equal(t, false, n3["healthy"])
	require.Equal(t, "left", n3["node_status"])
	require.Equal(t, uint64(20), n3["last_index"])
	require.Equal(t, "leader", servers["n1"].(map[string]any)["status"])

	st.Peers[2] = Peer{Name: "n3", Current: true}
	ap = autopilotState(st)
	require.Equal(t, true, ap["healthy"])
	require.Equal(t, 1, ap["failure_tolerance"])
}
