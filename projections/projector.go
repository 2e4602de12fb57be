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

	// unsaved counts the messages applied since applied_seq was last
	// written to pebble (see applyMessage); only Run's goroutine uses it.
	unsaved int
}

// maxUnsaved bounds the messages with nothing to project that the
// projector passes without writing applied_seq: a restarted node decodes
// at most this many again (they change nothing), and a long run of reads
// still moves the stored applied_seq (snapshots, restarts) now and then.
const maxUnsaved = 256

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
	barrier := p.ledger.Barrier()
	if barrier == nil {
		return fmt.Errorf("projections: apply seq %d: %w", m.Seq, ledger.ErrSealed)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	// A message of audit records only (every read's, every transit
	// encryption's: most messages under load) changes no read model and
	// no aggregate version, so it needs no pebble batch: applied_seq moves
	// in memory, for WaitApplied and the observers, and reaches pebble
	// with the next message that writes (or after maxUnsaved of these).
	// Replaying such a message after a restart changes nothing, so the
	// stored applied_seq may lag behind it; it never passes a message
	// whose writes are not in the same batch.
	if p.unsaved < maxUnsaved && !p.projects(recs) {
		p.unsaved++
		p.release(recs, m.Seq)
		return nil
	}
	b := p.store.db.NewIndexedBatch()
	defer b.Close()
	tx := &Tx{b: b, barrier: barrier}
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
	p.store.committed()
	p.unsaved = 0
	p.release(recs, m.Seq)
	return nil
}

// projects reports whether applying recs writes anything to pebble: an
// event of an aggregate (its version) or of a type with apply functions.
// The caller holds p.mu.
func (p *Projector) projects(recs []ledger.Record) bool {
	for i := range recs {
		if recs[i].Kind != "" || len(p.apply[recs[i].Type]) > 0 {
			return true
		}
	}
	return false
}

// release hands the records of the message at seq, now applied, to the
// observers and moves applied_seq. Observers run before advance: a writer
// whose WaitApplied returns must find in-memory views (mount table,
// policy cache) already refreshed. The caller holds p.mu.
func (p *Projector) release(recs []ledger.Record, seq uint64) {
	for _, o := range p.observers {
		o(recs)
	}
	p.store.advance(seq)
}
