package commands

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// ErrTooManyConflicts reports a command that kept losing the race for its
// aggregate.
var ErrTooManyConflicts = errors.New("commands: too many conflicting retries")

// maxAttempts bounds decide/append rounds for one command.
const maxAttempts = 16

// Bus runs commands against the ledger and waits for the projections.
type Bus struct {
	Ledger      *ledger.Store
	Projections *projections.Store

	lanes lanes
}

// DecideFunc loads the state it needs and returns the events to append
// (none for a no-op). It is called again after a conflict, so it must read
// its state afresh each time.
type DecideFunc func(ctx context.Context) ([]ledger.Event, error)

// Run executes decide until its events are appended, then waits for the
// local projections to apply them. It returns the ledger index of the
// write (or the current applied index for a no-op). Within a request
// (audit.go) the request's audit record rides in the same message.
func (b *Bus) Run(ctx context.Context, decide DecideFunc) (uint64, error) {
	return b.run(ctx, decide, false)
}

// RunLast is Run for a request's last command whose caller answers from
// what decide saw, without reading the projections back: within a request
// its events are held by the writer and stored in one message with the
// request's audit records when the gateway appends the response record
// (audit.go). It then returns 0 and the write is not stored yet: run what
// must follow the commit through AfterCommit. Outside a request it is Run.
func (b *Bus) RunLast(ctx context.Context, decide DecideFunc) (uint64, error) {
	return b.run(ctx, decide, true)
}

func (b *Bus) run(ctx context.Context, decide DecideFunc, last bool) (uint64, error) {
	w := b.Ledger.Writer()
	if w == nil {
		return 0, ledger.ErrSealed
	}
	sc := scopeOf(ctx)
	if sc != nil {
		if err := b.flushHeld(ctx, sc); err != nil {
			return 0, err
		}
	}
	var lane *lane
	defer func() { lane.leave() }()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		events, err := decide(ctx)
		if err != nil {
			return 0, err
		}
		if len(events) == 0 {
			return b.Projections.AppliedSeq(), nil
		}
		if lane == nil && attempt == 0 {
			if l := b.lanes.of(events); l.busy() {
				// Others are retrying on this aggregate: queue behind
				// them and decide again on what they stored.
				lane = l.enter()
				continue
			}
		}
		stamp(ctx, events)
		all := events
		if pre := sc.pending(); len(pre) > 0 {
			all = append(append(make([]ledger.Event, 0, len(pre)+len(events)), pre...), events...)
		}
		var seq uint64
		if last && sc != nil {
			var h *ledger.Held
			h, err = w.Hold(ctx, all...)
			if err == nil {
				sc.stored()
				sc.mu.Lock()
				sc.held = h
				sc.mu.Unlock()
				return 0, nil
			}
		} else {
			seq, err = w.Append(ctx, all...)
		}
		if errors.Is(err, ledger.ErrConflict) {
			// Our state was stale: let the projections catch up with what
			// the writer has stored, then decide again.
			if lane == nil {
				lane = b.lanes.of(events).enter()
			}
			if err := b.Projections.WaitApplied(ctx, w.LastCommitted()); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		sc.stored()
		recordIndex(ctx, seq)
		if err := b.Projections.WaitApplied(ctx, seq); err != nil {
			return seq, err
		}
		return seq, nil
	}
	return 0, ErrTooManyConflicts
}

// Append stores events that need no concurrency control (audit records)
// without waiting for the projections. Within a request (audit.go) the
// gateway's response record closes the request: it is stored with the
// request record and any held events, in one message.
func (b *Bus) Append(ctx context.Context, events ...ledger.Event) (uint64, error) {
	if sc := scopeOf(ctx); sc != nil && isResponse(events) {
		return b.finish(ctx, sc, events)
	}
	w := b.Ledger.Writer()
	if w == nil {
		return 0, ledger.ErrSealed
	}
	stamp(ctx, events)
	return w.Append(ctx, events...)
}

// Version returns an aggregate's version as the projections see it.
func (b *Bus) Version(kind, id string) (uint64, error) {
	v, err := b.Projections.AggregateVersion(kind, id)
	if err != nil {
		return 0, fmt.Errorf("commands: version of %s %s: %w", kind, id, err)
	}
	return v, nil
}

// Meta is who and what caused a command; the gateway puts it in the
// context and the bus stamps it on every event.
type Meta struct {
	Actor     string
	RequestID string
}

type metaKey struct{}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta in ctx, or "system" as actor when none.
func MetaFrom(ctx context.Context) Meta {
	if m, ok := ctx.Value(metaKey{}).(Meta); ok {
		return m
	}
	return Meta{Actor: "system"}
}

func stamp(ctx context.Context, events []ledger.Event) {
	m := MetaFrom(ctx)
	for i := range events {
		if events[i].Actor == "" {
			events[i].Actor = m.Actor
		}
		if events[i].RequestID == "" {
			events[i].RequestID = m.RequestID
		}
		if events[i].Correlation == "" {
			events[i].Correlation = m.RequestID
		}
	}
}

// Sequence numbers events of one aggregate starting after version `from`:
// a decide function returns events for (kind, id) and Sequence gives them
// the versions the writer expects.
func Sequence(kind, id string, from uint64, events ...ledger.Event) []ledger.Event {
	for i := range events {
		events[i].Kind = kind
		events[i].Aggregate = id
		events[i].Version = from + uint64(i) + 1
	}
	return events
}

type indexKey struct{}

// WithIndexRecorder returns ctx with a recorder that keeps the highest
// ledger index written by commands run under it; the gateway reports it to
// the client (X-Vault-Index) so the client can ask for reads at least that
// fresh.
func WithIndexRecorder(ctx context.Context) (context.Context, *atomic.Uint64) {
	rec := new(atomic.Uint64)
	return context.WithValue(ctx, indexKey{}, rec), rec
}

func recordIndex(ctx context.Context, seq uint64) {
	rec, ok := ctx.Value(indexKey{}).(*atomic.Uint64)
	if !ok {
		return
	}
	for {
		cur := rec.Load()
		if seq <= cur || rec.CompareAndSwap(cur, seq) {
			return
		}
	}
}

func isResponse(events []ledger.Event) bool {
	return len(events) > 0 && events[len(events)-1].Type == auditevent.EventResponse
}
