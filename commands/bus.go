package commands

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

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
}

// DecideFunc loads the state it needs and returns the events to append
// (none for a no-op). It is called again after a conflict, so it must read
// its state afresh each time.
type DecideFunc func(ctx context.Context) ([]ledger.Event, error)

// Run executes decide until its events are appended, then waits for the
// local projections to apply them. It returns the ledger index of the
// write (or the current applied index for a no-op).
func (b *Bus) Run(ctx context.Context, decide DecideFunc) (uint64, error) {
	w := b.Ledger.Writer()
	if w == nil {
		return 0, ledger.ErrSealed
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		events, err := decide(ctx)
		if err != nil {
			return 0, err
		}
		if len(events) == 0 {
			return b.Projections.AppliedSeq(), nil
		}
		stamp(ctx, events)
		seq, err := w.Append(ctx, events...)
		if errors.Is(err, ledger.ErrConflict) {
			// Our state was stale: let the projections catch up with what
			// the writer has stored, then decide again.
			if err := b.Projections.WaitApplied(ctx, w.LastCommitted()); err != nil {
				return 0, err
			}
			time.Sleep(time.Duration(attempt) * time.Millisecond)
			continue
		}
		if err != nil {
			return 0, err
		}
		recordIndex(ctx, seq)
		if err := b.Projections.WaitApplied(ctx, seq); err != nil {
			return seq, err
		}
		return seq, nil
	}
	return 0, ErrTooManyConflicts
}

// Append stores events that need no concurrency control (audit records)
// without waiting for the projections.
func (b *Bus) Append(ctx context.Context, events ...ledger.Event) (uint64, error) {
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
