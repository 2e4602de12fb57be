package snapshot

import (
	"cmp"
	"context"
	"time"

	"github.com/cofferhq/coffer/projections"
)

// Policy says when a snapshot is due: after EveryEvents events appended
// since the last one, or after Interval when anything at all was appended
// since. Check is how often Run looks.
type Policy struct {
	EveryEvents uint64
	Interval    time.Duration
	Check       time.Duration
}

// Defaults. The threshold counts events, not ledger messages (a message
// carries tens of events under concurrent load), because a rebuild's tail
// costs per event: make bench-scale measured replay at ~20,000 events/s
// (docs/benchmarks.md), so 150,000 events are ~7.5 s of tail, plus under
// half a second of restore and what arrives within one Check, inside the
// 10 s a node should take to serve again. A quiet ledger is snapshotted
// hourly.
const (
	DefaultEveryEvents = 150_000
	DefaultInterval    = time.Hour
	DefaultCheck       = 5 * time.Second
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
	// events were appended after since, up to counted: counted from the
	// batch messages' headers (ledger.CountEvents), a few new messages at
	// each check, never opened a second time.
	counted, events := since, uint64(0)
	t := time.NewTicker(p.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		applied := proj.AppliedSeq()
		if applied <= since {
			continue
		}
		if applied > counted {
			n, err := s.l.CountEvents(ctx, counted, applied)
			if err != nil {
				if ctx.Err() == nil {
					s.o.Log.Warn("snapshot: events not counted", "after", counted, "applied", applied, "err", err)
				}
				continue
			}
			counted, events = applied, events+n
		}
		if events < p.EveryEvents && time.Since(at) < p.Interval {
			continue
		}
		info, err := s.Take(ctx, proj)
		if err != nil {
			if ctx.Err() == nil {
				s.o.Log.Warn("snapshot: not taken", "applied", applied, "events", events, "err", err)
			}
			continue
		}
		since, at = max(info.RecordSeq, info.Seq), time.Now()
		counted, events = since, 0
		s.o.Log.Info("projections snapshot taken", "name", info.Name, "index", info.Seq, "size", info.Size)
	}
}
