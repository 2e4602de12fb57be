package events

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// withStateAt rebuilds the read models up to index and calls read on
// them. Only one rebuild runs at a time; it costs a full read of the
// ledger up to index (O(ledger size)) and a scratch store of the same
// order, removed afterwards.
func (h *Hub) withStateAt(ctx context.Context, index uint64, read func(*framework.StateView) error) error {
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
	store.UseBarrier(l.Barrier)
	sc := &framework.StateView{Store: store, Ledger: l, Index: index}
	if index > 0 {
		m, err := l.Get(ctx, index)
		if err != nil {
			return err
		}
		sc.At = m.Stored
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
func (h *Hub) replayInto(ctx context.Context, sc *framework.StateView, stop uint64, read func(*framework.StateView) error) error {
	runCtx, cancel := context.WithCancel(ctx)
	p := projections.NewProjector(sc.Store, h.opts.Deps.Ledger, h.opts.Deps.Log)
	for _, register := range h.opts.ReadModels {
		register(p)
	}
	reached := make(chan struct{})
	var once sync.Once
	p.Observe(func(recs []ledger.Record) {
		if len(recs) == 0 {
			return
		}
		for i := range recs {
			for _, q := range h.opts.StateQueries {
				if q.Track != nil {
					q.Track(sc, &recs[i])
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
