package snapshot

import (
	"cmp"
	"context"
	"time"

	"github.com/cofferhq/coffer/projections"
)

// Policy says when a snapshot is due: after EveryEvents ledger messages
// since the last one, or after Interval when anything at all was
// appended since. Check is how often Run looks.
type Policy struct {
	EveryEvents uint64
	Interval    time.Duration
	Check       time.Duration
}

// Defaults: a rebuild replays at most a quarter of a million messages
// on a busy ledger, and a quiet one is snapshotted hourly. The threshold
// counts messages, not events: under concurrent load a message carries
// tens of events, and make bench-scale measured replay at 500-700 such
// messages a second (about 20,000 events/s), so this tail can take
// minutes, not the 10 s (docs/benchmarks.md; counting events is
// the open fix).
const (
	DefaultEveryEvents = 250_000
	DefaultInterval    = time.Hour
	DefaultCheck       = 10 * time.Second
)

func (p Policy) withDefaults() Policy {
	p.EveryEvents = cmp.Or(p.EveryEvents, DefaultEveryEvents)
	p.Interval = cmp.Or(p.Interval, DefaultInterval)
	p.Check = cmp.Or(p.Check, DefaultCheck)
	return p
}

// Run takes snapshots of proj as p says until ctx ends. It runs on the
// elected node only (a singleton): one snapshot per index for the whole
// cluster. A failed snapshot is logged and tried again at the next check.
func (s *Store) Run(ctx context.Context, proj *projections.Store, p Policy) {
	p = p.withDefaults()
	// since is the ledger index the next snapshot is measured from: the
	// last snapshot's record, so the record itself does not make the next
	// one due.
	since, at := uint64(0), time.Now()
	if list, err := s.List(ctx); err == nil && len(list) > 0 {
		since, at = max(list[0].RecordSeq, list[0].Seq), list[0].Taken
	}
	t := time.NewTicker(p.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		applied := proj.AppliedSeq()
		if applied <= since || (applied-since < p.EveryEvents && time.Since(at) < p.Interval) {
			continue
		}
		info, err := s.Take(ctx, proj)
		if err != nil {
			if ctx.Err() == nil {
				s.o.Log.Warn("snapshot: not taken", "applied", applied, "err", err)
			}
			continue
		}
		since, at = max(info.RecordSeq, info.Seq), time.Now()
		s.o.Log.Info("projections snapshot taken", "name", info.Name, "index", info.Seq, "size", info.Size)
	}
}
