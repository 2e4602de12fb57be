package events

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// scratch is the read models as they stood at one ledger index, rebuilt
// from the ledger into a temporary pebble store.
type scratch struct {
	store *projections.Store
	// index is the target index; at is the time its message was stored.
	index uint64
	at    time.Time
	// tokens remembers, by accessor, the last token.created/revoked record
	// seen: the token read model drops revoked tokens, but state-at should
	// say "revoked, when, why" rather than "never existed".
	tokens map[string]ledger.Record
}

// withStateAt rebuilds the read models up to index and calls read on
// them. Only one rebuild runs at a time; it costs a full read of the
// ledger up to index (O(ledger size)) and a scratch store of the same
// order, removed afterwards.
func (h *Hub) withStateAt(ctx context.Context, index uint64, read func(*scratch) error) error {
	select {
	case h.stateAt <- struct{}{}:
		defer func() { <-h.stateAt }()
	default:
		return ErrBusy
	}
	l := h.opts.Deps.Ledger
	last, err := l.LastSeq(ctx)
	if err != nil {
		return err
	}
	index = min(index, last)
	// The projector can only be stopped after a message that has records
	// (its observers see nothing else), so stop at the last such message
	// at or before index; the ones after it (seal, keyring) change no read
	// model.
	stop, err := lastBatchAtOrBefore(ctx, l, index)
	if err != nil {
		return err
	}
	if h.opts.ScratchDir != "" {
		if err := os.MkdirAll(h.opts.ScratchDir, 0o700); err != nil {
			return fmt.Errorf("events: scratch dir: %w", err)
		}
	}
	dir, err := os.MkdirTemp(h.opts.ScratchDir, "coffer-state-at-")
	if err != nil {
		return fmt.Errorf("events: scratch dir: %w", err)
	}
	defer os.RemoveAll(dir)
	store, err := projections.Open(dir)
	if err != nil {
		return err
	}
	defer store.Close()
	sc := &scratch{store: store, index: index, tokens: map[string]ledger.Record{}}
	if index > 0 {
		m, err := l.Get(ctx, index)
		if err != nil {
			return err
		}
		sc.at = m.Stored
	}
	if stop == 0 {
		return read(sc)
	}
	return h.replayInto(ctx, sc, stop, read)
}

// replayInto runs a projector with the node's read models over the
// scratch store, holds it right after message stop is committed and calls
// read while it is held. The hold is an observer that blocks: observers
// run after each commit, so nothing past stop is applied until read is
// done.
func (h *Hub) replayInto(ctx context.Context, sc *scratch, stop uint64, read func(*scratch) error) error {
	runCtx, cancel := context.WithCancel(ctx)
	p := projections.NewProjector(sc.store, h.opts.Deps.Ledger, h.opts.Deps.Log)
	for _, register := range h.opts.ReadModels {
		register(p)
	}
	reached := make(chan struct{})
	var once sync.Once
	p.Observe(func(recs []ledger.Record) {
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			if tokenRecord(r.Type) {
				if acc := tokenAccessor(&r); acc != "" {
					sc.tokens[acc] = r
				}
			}
		}
		if recs[0].Seq >= stop {
			once.Do(func() { close(reached) })
			<-runCtx.Done()
		}
	})
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() {
		cancel()
		<-done
	}()
	select {
	case <-reached:
		return read(sc)
	case err := <-done:
		done <- err // for the deferred wait
		if err == nil {
			err = fmt.Errorf("events: replay stopped before index %d", stop)
		}
		return fmt.Errorf("events: state-at replay: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lastBatchAtOrBefore returns the last index at or before index whose
// message holds events (0 when none does).
func lastBatchAtOrBefore(ctx context.Context, l *ledger.Store, index uint64) (uint64, error) {
	for seq := index; seq > 0; seq-- {
		m, err := l.Get(ctx, seq)
		if err != nil {
			return 0, err
		}
		if m.Subject == ledger.SubjectBatch {
			return seq, nil
		}
	}
	return 0, nil
}
