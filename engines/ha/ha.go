package ha

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cofferhq/coffer/cluster/members"
	"github.com/cofferhq/coffer/engines/framework"
)

// Status is one node's view of the cluster.
type Status struct {
	NodeID  string
	APIAddr string
	// Clustered is false on a single node with an R1 stream.
	Clustered bool
	// StreamLeader names the server leading the ledger stream.
	StreamLeader string
	Peers        []Peer
	// LastSeq is the stream's last sequence; Applied this node's
	// projections' applied index.
	LastSeq, Applied uint64
	// SingletonHolder is the candidacy holding the singleton lease
	// ("node-id/suffix"); Leading is true on that node.
	SingletonHolder string
	SingletonToken  uint64
	Leading         bool
	// NoQuorum says why this node cannot reach a quorum of the ledger's
	// replicas ("" while it can).
	NoQuorum string
	// Members are the nodes that answered this node's question
	// (cluster/members, MembersFunc): each one's own applied index and
	// role. Only sys/ha-status fills it.
	Members []members.Member
	// Singletons names the services the singleton holder runs; the
	// usual list when empty.
	Singletons []string
}

// Peer is one replica of the ledger stream.
type Peer struct {
	Name    string
	Leader  bool
	Current bool
	Lag     uint64
	// Active is how long ago the leader last heard from it.
	Active time.Duration
	// Offline is true when the leader knows the server is gone.
	Offline bool
}

// StatusFunc reports the node's status.
type StatusFunc func(ctx context.Context) (Status, error)

// MembersFunc asks every node where it stands (cluster/members). Only
// sys/ha-status asks: a node that is down costs the question its wait,
// which sys/leader, polled by clients, must not pay.
type MembersFunc func(ctx context.Context) []members.Member

// singletons are the services that run only on the elected node.
var singletons = []string{"lease scheduler", "checkpointer", "data-key eraser", "transit auto-rotation"}

// Module serves the status paths from status and the operator raft
// paths through raft.
func Module(status StatusFunc, gather MembersFunc, raft Raft) framework.Module {
	return framework.Module{
		Type:        "ha",
		Kind:        framework.SysService,
		Description: "cluster status: nodes, stream leader, lag, singletons",
		Start: func(*framework.Env) (*framework.Instance, error) {
			b := paths(status, gather)
			b.Paths = append(b.Paths, raftPaths(status, raft)...)
			return &framework.Instance{Sys: b}, nil
		},
	}
}

func paths(status StatusFunc, gather MembersFunc) *framework.Backend {
	read := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: h}
	}
	none := map[string]*framework.FieldSchema{}
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: "ha-status", Fields: none, Synopsis: "The cluster's nodes, stream leader, lag and singletons.",
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
				st, err := status(req.Context())
				if err != nil {
					return nil, err
				}
				if gather != nil {
					st.Members = gather(req.Context())
				}
				return &framework.Response{Data: haStatus(st)}, nil
			})},
		{Pattern: "leader", Fields: none, Synopsis: "Whether this node is active (every Coffer node is).", Unauthenticated: true, Unaudited: true,
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
				st, err := status(req.Context())
				if err != nil {
					return nil, err
				}
				return raw(leader(st))
			})},
		{Pattern: "storage/raft/configuration", Fields: none, Sudo: true, Synopsis: "The ledger stream's replicas as Raft servers.",
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
				st, err := status(req.Context())
				if err != nil {
					return nil, err
				}
				return &framework.Response{Data: raftConfiguration(st)}, nil
			})},
	}}
}

func raw(v any) (*framework.Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Raw: b, RawContentType: "application/json"}, nil
}

// haStatus is sys/ha-status's data: Vault's "nodes" list (each node
// active) plus the ledger's own facts. Pure, for tests.
func haStatus(st Status) map[string]any {
	nodes := []map[string]any{}
	for _, p := range st.Peers {
		nodes = append(nodes, map[string]any{
			"hostname": p.Name, "node_id": p.Name, "active_node": true, "stream_leader": p.Leader,
			"current": p.Current, "lag": p.Lag, "last_echo_ms": p.Active.Milliseconds(),
			"api_address": addrIf(p.Name == st.NodeID, st.APIAddr),
		})
	}
	owner := st.SingletonHolder
	runs := map[string]any{}
	names := st.Singletons
	if len(names) == 0 {
		names = singletons
	}
	for _, s := range names {
		runs[s] = owner
	}
	return map[string]any{
		"nodes": nodes, "node_id": st.NodeID, "members": memberList(st), "clustered": st.Clustered, "stream_leader": st.StreamLeader,
		"quorum": st.NoQuorum == "", "quorum_error": st.NoQuorum,
		"last_index": st.LastSeq, "applied_index": st.Applied, "lag": st.LastSeq - min(st.Applied, st.LastSeq),
		"singletons": map[string]any{"holder": owner, "fencing_token": st.SingletonToken, "leading": st.Leading, "services": runs},
	}
}

// memberList is every node that answered, with its own applied index
// and its lag behind the stream's last index, then every replica of the
// stream that did not answer (down, sealed or cut off from this node).
func memberList(st Status) []map[string]any {
	out := []map[string]any{}
	answered := map[string]bool{}
	for _, m := range st.Members {
		answered[m.NodeID] = true
		out = append(out, map[string]any{
			"node_id": m.NodeID, "api_address": m.APIAddr, "reachable": true,
			"applied_index": m.Applied, "lag": st.LastSeq - min(m.Applied, st.LastSeq),
			"leading": m.Leading, "stream_leader": m.NodeID == st.StreamLeader,
		})
	}
	for _, p := range st.Peers {
		if !answered[p.Name] {
			out = append(out, map[string]any{
				"node_id": p.Name, "api_address": "", "reachable": false,
				"applied_index": nil, "lag": nil, "leading": false, "stream_leader": p.Leader,
			})
		}
	}
	return out
}

func addrIf(ok bool, addr string) string {
	if ok {
		return addr
	}
	return ""
}

// leader is Vault's sys/leader body.
func leader(st Status) map[string]any {
	return map[string]any{
		"ha_enabled": st.Clustered, "is_self": true, "active_time": "0001-01-01T00:00:00Z",
		"leader_address": st.APIAddr, "leader_cluster_address": "", "performance_standby": false,
		"performance_standby_last_remote_wal": 0, "raft_committed_index": st.LastSeq, "raft_applied_index": st.Applied,
	}
}

// raftConfiguration is Vault's sys/storage/raft/configuration data.
func raftConfiguration(st Status) map[string]any {
	servers := []map[string]any{}
	for _, p := range st.Peers {
		servers = append(servers, map[string]any{
			"node_id": p.Name, "address": p.Name, "leader": p.Leader, "voter": true, "protocol_version": "3",
		})
	}
	return map[string]any{"config": map[string]any{"servers": servers, "index": st.LastSeq}}
}
