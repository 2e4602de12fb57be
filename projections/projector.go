package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/cofferhq/coffer/ledger"
)

// ApplyFunc applies one event to the read models inside tx.
type ApplyFunc func(tx *Tx, rec ledger.Record) error

// Decoded adapts a typed apply function to an ApplyFunc: it decodes the
// record's JSON payload into a T and reports a payload that does not decode
// as corrupt (the read model's own sentinel error), naming the event type.
func Decoded[T any](corrupt error, fn func(tx *Tx, e *T) error) ApplyFunc {
	return func(tx *Tx, rec ledger.Record) error {
		var e T
		if err := json.Unmarshal(rec.Data, &e); err != nil {
			return fmt.Errorf("%w: %s payload: %v", corrupt, rec.Type, err)
		}
		return fn(tx, &e)
	}
}

// Observer sees every decoded record after its message is committed to
// pebble and before WaitApplied callers are released (event
// subscriptions, in-memory caches). It must not block.
type Observer func(recs []ledger.Record)

// Projector feeds ledger messages to the registered apply functions.
type Projector struct {
	store  *Store
	ledger *ledger.Store
	log    *slog.Logger

	mu        sync.RWMutex
	apply     map[string][]ApplyFunc
	observers []Observer
}

// NewProjector binds a pebble store to a ledger.
func NewProjector(store *Store, l *ledger.Store, log *slog.Logger) *Projector {
	store.UseBarrier(l.Barrier)
	return &Projector{store: store, ledger: l, log: log, apply: map[string][]ApplyFunc{}}
}

// Handle registers fn for events of type typ. Register before Run.
func (p *Projector) Handle(typ string, fn ApplyFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.apply[typ] = append(p.apply[typ], fn)
}

// Observe registers an observer of committed records.
func (p *Projector) Observe(fn Observer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.observers = append(p.observers, fn)
}

// Run applies messages from applied_seq+1 until ctx ends. An event that
// cannot be applied stalls the projector (and is reported by Stalled):
// skipping it would leave the read models silently wrong.
func (p *Projector) Run(ctx context.Context) error {
	err := p.ledger.Consume(ctx, p.store.AppliedSeq()+1, p.applyMessage)
	if err != nil && ctx.Err() == nil {
		p.log.Error("projector stopped", "err", err, "applied_seq", p.store.AppliedSeq())
		p.store.stall(err)
	}
	return err
}

func (p *Projector) applyMessage(m ledger.Message) error {
	if m.Seq <= p.store.AppliedSeq() {
		return nil // redelivered after a consumer reset
	}
	recs, err := p.ledger.Decode(m)
	if err != nil {
		return fmt.Errorf("projections: decode seq %d: %w", m.Seq, err)
	}
	b := p.store.db.NewIndexedBatch()
	defer b.Close()
	barrier := p.ledger.Barrier()
	if barrier == nil {
		return fmt.Errorf("projections: apply seq %d: %w", m.Seq, ledger.ErrSealed)
	}
	tx := &Tx{b: b, barrier: barrier}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for i := range recs {
		rec := &recs[i]
		if rec.Kind != "" {
			if err := tx.Set(aggVersionKey(barrier, rec.Kind, rec.Aggregate), u64(rec.Version)); err != nil {
				return err
			}
		}
		for _, fn := range p.apply[rec.Type] {
			if err := fn(tx, *rec); err != nil {
				return fmt.Errorf("projections: apply %s at seq %d: %w", rec.Type, m.Seq, err)
			}
		}
	}
	if err := b.Set(keyAppliedSeq, u64(m.Seq), nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("projections: commit seq %d: %w", m.Seq, err)
	}
	// Observers run before advance: a writer whose WaitApplied returns must
	// find in-memory views (mount table, policy cache) already refreshed.
	for _, o := range p.observers {
		o(recs)
	}
	p.store.advance(m.Seq)
	return nil
}
