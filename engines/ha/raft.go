package ha

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Raft is the node's side of the `vault operator raft` endpoints, mapped
// onto the ledger: the log is the truth, replicated by JetStream's Raft.
type Raft interface {
	// Snapshot prepares the snapshot GET serves: the newest stored one,
	// or one taken now when fresh. write streams it as Vault's client
	// expects (a gzip tar whose last file is SHA256SUMS.sealed).
	Snapshot(ctx context.Context, fresh bool) (name string, write func(io.Writer) error, err error)
	// RemovePeer drops a server from the replica groups of every Coffer
	// stream, so JetStream places its replicas elsewhere.
	RemovePeer(ctx context.Context, id string) error
	// SaveLedger writes a backup of the ledger stream and its companion
	// streams (JetStream's stream snapshots, package cluster/backup) to
	// w. A failure cuts the file short of its trailer.
	SaveLedger(ctx context.Context, w io.Writer) error
}

// Errors of remove-peer.
var (
	// ErrNoSuchPeer reports a remove-peer for a server that holds no
	// replica.
	ErrNoSuchPeer = errors.New("ha: no stream has a replica on that server")
	// ErrPeerRemoveRefused reports JetStream refusing to move a stream's
	// replica off the server; most often no other server can take it
	// (JetStream keeps a stream's replica count, so three servers cannot
	// shrink to two: start the replacement node first).
	ErrPeerRemoveRefused = errors.New("ha: JetStream refused to move the replicas off that server")
)

// errRestore is the answer to a snapshot restore: there is nothing to
// roll back to without rewriting history.
const errRestore = "coffer cannot restore a snapshot over a running cluster: the ledger is the source of truth and " +
	"is append-only (DenyDelete, DenyPurge, transparency-logged), so it is never rewound to an older state. " +
	"A snapshot is a starting point for rebuilding a node's read models: delete the node's projections " +
	"directory and restart it, and it starts from the newest verified snapshot plus the ledger's tail. " +
	"To recover a value as it was, read its history (for example kv metadata and versions) instead"

func raftPaths(status StatusFunc, raft Raft) []*framework.Path {
	none := map[string]*framework.FieldSchema{}
	restore := func(*framework.Request) (*framework.Response, error) {
		return nil, framework.Errorf(http.StatusBadRequest, errRestore)
	}
	return []*framework.Path{
		{Pattern: "storage/raft/snapshot", Sudo: true, TakesArbitraryInput: true,
			Fields: map[string]*framework.FieldSchema{
				"fresh": {Type: framework.TypeBool, Query: true, Description: "Take a snapshot now instead of serving the newest stored one."},
			},
			Synopsis: "Save the newest sealed projections snapshot and its ledger position (restore is refused: the ledger is never rewound).",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation: func(req *framework.Request) (*framework.Response, error) {
					name, write, err := raft.Snapshot(req.Context(), req.Bool("fresh"))
					if err != nil {
						return nil, err
					}
					return &framework.Response{Stream: func(w http.ResponseWriter, _ *http.Request) {
						w.Header().Set("Content-Type", "application/gzip")
						w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".snap"))
						w.WriteHeader(http.StatusOK)
						_ = write(w) // a failure cuts the archive short; Vault's client notices the missing SHA256SUMS.sealed
					}}, nil
				},
				framework.UpdateOperation: restore,
			}},
		{Pattern: "storage/ledger/snapshot", Sudo: true, Fields: none,
			Synopsis: "Back up the ledger stream and its companion streams (JetStream's stream snapshots); restore is a PUT of the backup to a new deployment, served ahead of the gateway.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation: func(req *framework.Request) (*framework.Response, error) {
					return &framework.Response{Stream: func(w http.ResponseWriter, r *http.Request) {
						w.Header().Set("Content-Type", "application/octet-stream")
						w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "coffer-ledger-"+time.Now().UTC().Format("20060102T150405Z")+".backup"))
						w.WriteHeader(http.StatusOK)
						_ = raft.SaveLedger(r.Context(), w) // a failure cuts the file short of its trailer; restore and the CLI refuse it
					}}, nil
				},
			}},
		{Pattern: "storage/raft/snapshot-force", Sudo: true, TakesArbitraryInput: true, Fields: none,
			Synopsis:   "Refused: the ledger is never rewound.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: restore}},
		{Pattern: "storage/raft/remove-peer", Sudo: true,
			Fields: map[string]*framework.FieldSchema{
				"server_id": {Type: framework.TypeString, Description: "The server (node id) to drop from every stream's replicas."},
			},
			Synopsis: "Drop a server from the replica groups of the ledger and Coffer's other streams.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				id := req.String("server_id")
				if id == "" {
					return nil, framework.BadRequest("server_id is required")
				}
				err := raft.RemovePeer(req.Context(), id)
				if errors.Is(err, ErrNoSuchPeer) {
					return nil, framework.BadRequest("%v: %s", err, id)
				}
				if errors.Is(err, ErrPeerRemoveRefused) {
					return nil, framework.Errorf(http.StatusConflict, "%v; JetStream keeps each stream's replica count, so a server's replicas move only to a server that holds none yet: start the node that replaces it first", err)
				}
				return nil, err
			}}},
		{Pattern: "storage/raft/autopilot/state", Sudo: true, Fields: none,
			Synopsis: "The ledger stream's replicas as autopilot sees servers: health, lag, failure tolerance.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: func(req *framework.Request) (*framework.Response, error) {
				st, err := status(req.Context())
				if err != nil {
					return nil, err
				}
				return &framework.Response{Data: autopilotState(st)}, nil
			}}},
	}
}

// autopilotState is Vault's sys/storage/raft/autopilot/state data, from the
// ledger stream's replica info. A replica is healthy when the stream leader
// counts it current; the failure tolerance is how many healthy voters the
// stream can lose and keep its quorum. Pure, for tests.
func autopilotState(st Status) map[string]any {
	servers := map[string]any{}
	voters := []string{}
	healthyCount := 0
	for _, p := range st.Peers {
		healthy := (p.Current || p.Leader) && !p.Offline
		if healthy {
			healthyCount++
		}
		status, nodeStatus := "voter", "alive"
		if p.Leader {
			status = "leader"
		}
		if p.Offline {
			nodeStatus = "left"
		}
		voters = append(voters, p.Name)
		servers[p.Name] = map[string]any{
			"id": p.Name, "name": p.Name, "address": p.Name, "node_status": nodeStatus,
			"last_contact": p.Active.Round(time.Millisecond).String(), "last_term": 0,
			"last_index": st.LastSeq - min(p.Lag, st.LastSeq), "healthy": healthy,
			"stable_since": "", "status": status, "version": "", "node_type": "voter",
		}
	}
	quorum := len(st.Peers)/2 + 1
	return map[string]any{
		"healthy": len(st.Peers) > 0 && healthyCount == len(st.Peers), "failure_tolerance": max(healthyCount-quorum, 0),
		"optimistic_failure_tolerance": max(healthyCount-quorum, 0),
		"leader":                       st.StreamLeader, "voters": voters, "non_voters": []string{}, "servers": servers,
	}
}
