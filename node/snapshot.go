package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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

// restoreWait bounds how long unsealing waits for the snapshot bucket and
// a restore before it falls back to a full replay.
const restoreWait = 30 * time.Second

// snapshotBucket binds the snapshot bucket on first use: creating a
// replicated bucket waits for the cluster, and a node whose projections
// are current must not wait for it to unseal.
type snapshotBucket struct {
	open func(context.Context) (*projsnap.Store, error)
	mu   sync.Mutex
	s    *projsnap.Store
}

func (b *snapshotBucket) get(ctx context.Context) (*projsnap.Store, error) {
	if b == nil {
		return nil, errNoSnapshots
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.s == nil {
		s, err := b.open(ctx)
		if err != nil {
			return nil, err
		}
		b.s = s
	}
	return b.s, nil
}

// openSnapshots prepares the snapshot bucket and, when this node has no
// projections yet (a lost data dir, a new cluster node), restores the
// newest usable snapshot into place, so the projector replays only the
// tail after it. Any failure to restore falls back to a full replay: a
// snapshot only ever saves time.
func (n *Node) openSnapshots(ctx context.Context, a *activeNode, dir string) error {
	if n.cfg.Snapshots.Disabled {
		return nil
	}
	a.snapshots = &snapshotBucket{open: func(ctx context.Context) (*projsnap.Store, error) {
		return projsnap.Open(ctx, n.ledger, projsnap.Options{
			Replicas: n.ledger.Replicas(), Keep: n.cfg.Snapshots.Keep, NodeID: n.nodeID(), TempDir: n.cfg.DataDir, Log: n.cfg.Log,
		})
	}}
	// A snapshot or restore cut short by a crash leaves its temporary
	// directory behind: nothing resumes it.
	for _, pattern := range []string{filepath.Join(n.cfg.DataDir, "snapshot-*"), dir + ".restore-*"} {
		stale, _ := filepath.Glob(pattern)
		for _, p := range stale {
			_ = os.RemoveAll(p)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		return nil // projections exist: resume from their applied index
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, restoreWait)
	defer cancel()
	s, err := a.snapshots.get(ctx)
	if err != nil {
		n.cfg.Log.Warn("projections: snapshot bucket unavailable; replaying the whole ledger", "err", err)
		return nil
	}
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
		for {
			s, err := a.snapshots.get(ctx)
			if err == nil {
				s.Run(ctx, a.store, n.cfg.Snapshots.Policy)
				return nil
			}
			n.cfg.Log.Warn("projection snapshots: bucket unavailable; retrying", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(5 * time.Second):
			}
		}
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

// snapshotStore returns the snapshot store, or an error while sealed or
// when snapshots are disabled.
func (n *Node) snapshotStore(ctx context.Context) (*projsnap.Store, error) {
	n.mu.Lock()
	a := n.active
	n.mu.Unlock()
	if a == nil {
		return nil, errNoSnapshots
	}
	s, err := a.snapshots.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("node: snapshots: %w", err)
	}
	return s, nil
}

var errNoSnapshots = errors.New("node: snapshots are disabled or the node is sealed")

func projectionsDir(dataDir string) string { return filepath.Join(dataDir, "projections") }
