package ha

import (
	"context"
	"encoding/json"
	"time"

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

// singletons are the services that run only on the elected node.
var singletons = []string{"lease scheduler", "checkpointer", "data-key eraser", "transit auto-rotation"}

// Module serves the status paths from status and the operator raft
// paths through raft.
func Module(status StatusFunc, raft Raft) framework.Module {
	return framework.Module{
		Type:        "ha",
		Kind:        framework.SysService,
		Description: "cluster status: nodes, stream leader, lag, singletons",
		Start: func(*framework.Env) (*framework.Instance, error) {
			b := paths(status)
			b.Paths = append(b.Paths, raftPaths(status, raft)...)
			return &framework.Instance{Sys: b}, nil
		},
	}
}

func paths(status StatusFunc) *framework.Backend {
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
	for _, s := range singletons {
		runs[s] = owner
	}
	return map[string]any{
		"nodes": nodes, "node_id": st.NodeID, "clustered": st.Clustered, "stream_leader": st.StreamLeader,
		"last_index": st.LastSeq, "applied_index": st.Applied, "lag": st.LastSeq - min(st.Applied, st.LastSeq),
		"singletons": map[string]any{"holder": owner, "fencing_token": st.SingletonToken, "leading": st.Leading, "services": runs},
	}
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
