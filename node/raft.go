package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/cluster/backup"
	"github.com/cofferhq/coffer/engines/ha"
	projsnap "github.com/cofferhq/coffer/projections/snapshot"
)

// raftOps is the node's side of the operator raft endpoints (ha.Raft).
type raftOps struct{ n *Node }

// Snapshot serves the newest stored projections snapshot, or takes one
// when fresh is asked or none is stored yet.
func (r raftOps) Snapshot(ctx context.Context, fresh bool) (string, func(io.Writer) error, error) {
	s, err := r.n.snapshotStore(ctx)
	if err != nil {
		return "", nil, err
	}
	info, err := s.Latest(ctx)
	if fresh || errors.Is(err, projsnap.ErrEmpty) {
		r.n.mu.Lock()
		a := r.n.active
		r.n.mu.Unlock()
		if a == nil {
			return "", nil, errNoSnapshots
		}
		info, err = s.Take(ctx, a.store)
	}
	if err != nil {
		return "", nil, err
	}
	return info.Name, func(w io.Writer) error { return s.Export(ctx, info, w) }, nil
}

// SaveLedger writes a backup of the ledger and its companion streams.
func (r raftOps) SaveLedger(ctx context.Context, w io.Writer) error {
	_, err := backup.Save(ctx, r.n.nc, w, backup.SaveOptions{Node: r.n.nodeID()})
	return err
}

// jsAPIPrefix is JetStream's API subject prefix in the default domain.
const jsAPIPrefix = "$JS.API."

// RemovePeer asks JetStream to drop server id from the replica group of
// every stream that has a replica on it (the ledger, the lease and
// election buckets, the snapshot bucket), so each places a new replica on
// another server. The NATS meta group itself forgets a server only
// through the system account (`nats server raft peer-remove`), which
// Coffer's connection does not hold.
func (r raftOps) RemovePeer(ctx context.Context, id string) error {
	js := r.n.ledger.JetStream()
	names := js.StreamNames(ctx)
	var streams []string
	for name := range names.Name() {
		streams = append(streams, name)
	}
	if err := names.Err(); err != nil {
		return fmt.Errorf("node: list streams: %w", err)
	}
	var removed []string
	for _, name := range streams {
		st, err := js.Stream(ctx, name)
		if err != nil {
			return fmt.Errorf("node: stream %s: %w", name, err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			return fmt.Errorf("node: stream %s: %w", name, err)
		}
		if !hasPeer(info.Cluster, id) {
			continue
		}
		if err := r.removeStreamPeer(ctx, name, id); err != nil {
			if len(removed) > 0 {
				return fmt.Errorf("%w (already moved: %s)", err, strings.Join(removed, ", "))
			}
			return err
		}
		removed = append(removed, name)
	}
	if len(removed) == 0 {
		return ha.ErrNoSuchPeer
	}
	r.n.cfg.Log.Warn("peer removed from the streams' replica groups", "server_id", id, "streams", removed)
	return nil
}

func hasPeer(c *jetstream.ClusterInfo, id string) bool {
	if c == nil {
		return false
	}
	return c.Leader == id || slices.ContainsFunc(c.Replicas, func(p *jetstream.PeerInfo) bool { return p.Name == id })
}

func (r raftOps) removeStreamPeer(ctx context.Context, stream, id string) error {
	body, _ := json.Marshal(map[string]string{"peer": id})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	msg, err := r.n.ledger.Conn().RequestWithContext(ctx, jsAPIPrefix+"STREAM.PEER.REMOVE."+stream, body)
	if err != nil {
		return fmt.Errorf("node: remove %s from %s: %w", id, stream, err)
	}
	var resp struct {
		Success bool `json:"success"`
		Error   *struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return fmt.Errorf("node: remove %s from %s: %w", id, stream, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("%w: stream %s: %s", ha.ErrPeerRemoveRefused, stream, resp.Error.Description)
	}
	return nil
}
