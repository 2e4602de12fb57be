package kv

import (
	"context"
	"log/slog"
	"time"
)

// The sweeper makes sure that every data key the read model lists as
// pending erasure (a destroyed or pruned version's, projections/kvstore
// erasures.go) is erased, then drops it from the list. The node that
// answered a pruning write erases its keys within a fraction of a second
// (ledger.DataKeys.EraseSoon), so the sweep mostly finds them erased and
// only reads; it erases what a crash, a seal or a failed rewrite left, and
// on another node of a cluster what that node's own list holds.
//
// A key is swept once two sweeps have seen it pending (at least
// sweepInterval old, more than EraseSoon's delay), so the sweep does not
// race the answering node's own erasure of a fresh key: every node of a
// cluster sweeps its own read model, and the data-key stream is shared.
const (
	sweepInterval = 5 * time.Second
	// sweepBatch bounds the keys erased (and blocks rewritten) per sweep.
	sweepBatch = 4096
)

// RunSweeper sweeps pending erasures until ctx ends.
func (r *Runner) RunSweeper(ctx context.Context, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	every := r.SweepEvery
	if every <= 0 {
		every = sweepInterval
	}
	seen := map[string]bool{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		next, err := r.sweep(ctx, seen)
		if err != nil && ctx.Err() == nil {
			log.Warn("kv sweeper: erasure of pruned or destroyed versions' keys failed; will retry", "err", err)
		}
		seen = next
	}
}

// sweep erases the pending keys that the previous sweep saw (in seen) and
// returns the ones it saw for the first time.
func (r *Runner) sweep(ctx context.Context, seen map[string]bool) (map[string]bool, error) {
	keys := r.Reader.Ledger.DataKeys()
	if keys == nil || r.Reader.Ledger.Barrier() == nil {
		return seen, nil
	}
	ids, err := r.Reader.PendingErasures(sweepBatch)
	if err != nil {
		return seen, err
	}
	next := map[string]bool{}
	var due []string
	for _, id := range ids {
		if seen[id] {
			due = append(due, id)
		} else {
			next[id] = true
		}
	}
	if len(due) == 0 {
		return next, nil
	}
	if err := keys.DestroyAll(ctx, due...); err != nil {
		for _, id := range due {
			next[id] = true
		}
		return next, err
	}
	return next, r.Reader.ErasureDone(due)
}
