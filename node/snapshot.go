package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	projsnap "github.com/cofferhq/coffer/projections/snapshot"
)

// Snapshots configures projection snapshots (package
// projections/snapshot): when the elected node takes them and how many
// are kept.
type Snapshots struct {
	Policy projsnap.Policy
	// Keep is how many snapshots are kept (projsnap.DefaultKeep).
	Keep int
	// Disabled takes none and restores none (a rebuild replays the whole
	// ledger).
	Disabled bool
}

// openSnapshots binds the snapshot bucket and, when this node has no
// projections yet (a lost data dir, a new cluster node), restores the
// newest usable snapshot into place, so the projector replays only the
// tail after it. Any failure to restore falls back to a full replay: a
// snapshot only ever saves time.
func (n *Node) openSnapshots(ctx context.Context, a *activeNode, dir string) error {
	if n.cfg.Snapshots.Disabled {
		return nil
	}
	s, err := projsnap.Open(ctx, n.ledger, projsnap.Options{
		Replicas: n.ledger.Replicas(), Keep: n.cfg.Snapshots.Keep, NodeID: n.nodeID(), TempDir: n.cfg.DataDir, Log: n.cfg.Log,
	})
	if err != nil {
		return err
	}
	a.snapshots = s
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		return nil // projections exist: resume from their applied index
	}
	start := time.Now()
	info, err := s.Restore(ctx, dir)
	switch {
	case errors.Is(err, projsnap.ErrEmpty):
		// No snapshot was ever taken: a full replay, as before snapshots.
	case err != nil:
		n.cfg.Log.Warn("projections: no usable snapshot; replaying the whole ledger", "err", err)
	default:
		a.restored = &info
		n.cfg.Log.Info("projections restored from a snapshot; replaying the tail", "snapshot", info.Name, "index", info.Seq, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// snapshotService is the singleton that takes the snapshots.
func (n *Node) snapshotService(a *activeNode) (framework.Service, bool) {
	if a.snapshots == nil {
		return framework.Service{}, false
	}
	return framework.Service{Name: "projection snapshots", Singleton: true, Run: func(ctx context.Context) error {
		a.snapshots.Run(ctx, a.store, n.cfg.Snapshots.Policy)
		return nil
	}}, true
}

// RestoredFrom is the snapshot this node's projections were restored from
// when it last unsealed, or nil after a resume or a full replay.
func (n *Node) RestoredFrom() *projsnap.Info {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.active == nil {
		return nil
	}
	return n.active.restored
}

// Snapshots returns the snapshot store, or an error while sealed or when
// snapshots are disabled.
func (n *Node) snapshotStore() (*projsnap.Store, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.active == nil || n.active.snapshots == nil {
		return nil, fmt.Errorf("node: snapshots: %w", errNoSnapshots)
	}
	return n.active.snapshots, nil
}

var errNoSnapshots = errors.New("node: snapshots are disabled or the node is sealed")

func projectionsDir(dataDir string) string { return filepath.Join(dataDir, "projections") }
