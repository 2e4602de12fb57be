package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Held appends: one request, one commit. A write's events are decided
// before its response is known, and the response's audit record must be
// stored before the response leaves. Rather than committing the events and
// then the record (two fsyncs, one after the other), the writer checks the
// events' versions at once and keeps them in the next group without
// publishing it; the caller builds its response and Commit adds the record
// to the same request, which releases the group; Abort drops the request
// instead (its response record could not be made: nothing of it is
// stored). Requests queued behind a held one wait for it (their order is
// the stream's order), so a request must not stay held for long: after
// maxHold the writer drops it, and Commit reports ErrHoldExpired.
//
// Dropping is safe: no other request can have been accepted on top of a
// held request's versions, since those are in no projection yet and every
// command decides on the projections; a later command of the same request
// commits the held one first.

// maxHold bounds how long a held request may keep its group from being
// published.
const maxHold = 2 * time.Second

// ErrHoldExpired reports a held append dropped because its Commit came
// after maxHold, or that was aborted: nothing of it was stored.
var ErrHoldExpired = errors.New("ledger: held append dropped before its commit")

// holdState is the part of an appendReq that only held requests use.
type holdState struct {
	reservedOnce sync.Once
	reserved     chan struct{} // closed once the versions were accepted
	held         bool          // owned by the run goroutine: still waiting for Commit
	group        *group        // owned by the run goroutine: where it is packed
	deadline     time.Time
}

// release is Commit's message to the run goroutine.
type release struct {
	r     *appendReq
	drop  bool
	extra []Event
	enc   []byte
}

// Held is an append whose versions were accepted and that waits for its
// last events (see Hold).
type Held struct {
	w    *Writer
	r    *appendReq
	once sync.Once
	// remote is set when the elected writer holds the request.
	remote *forwardedHold
}

// Hold checks events like Append and reserves their versions, but keeps
// the message unpublished until Commit gives the request's last events.
// It returns ErrConflict (after the winning version is stored, as Append
// does) or the storage error at once. Every Held must be committed.
func (w *Writer) Hold(ctx context.Context, events ...Event) (*Held, error) {
	if len(events) == 0 {
		return nil, errors.New("ledger: empty append")
	}
	if err := w.guard.state(); err != nil {
		w.count(func(s *WriterStats) { s.Refused++ })
		return nil, err
	}
	encoded, err := encodeEvents(events)
	if err != nil {
		return nil, fmt.Errorf("ledger: encode events: %w", err)
	}
	if w.forwarding() {
		id := NewID()
		rep, err := w.forward(ctx, fwdHold, id, encoded)
		switch {
		case errors.Is(err, errNotServed) || err == nil && rep.notServed():
			// Hold here.
		case err != nil:
			// It may be held over there: drop it (held requests are
			// never stored without their commit).
			_, _ = w.forward(ctx, fwdAbort, id, nil)
			if errors.Is(err, context.Canceled) {
				return nil, fmt.Errorf("ledger: forwarded hold: %w", err)
			}
			return nil, fmt.Errorf("%w: forwarded hold: %w", ErrWriterUnavailable, err)
		case rep.err() != nil:
			return nil, rep.err()
		default:
			return &Held{w: w, remote: &forwardedHold{id: id, events: events, encoded: encoded}}, nil
		}
	}
	return w.holdLocal(ctx, events, encoded)
}

// holdLocal is Hold in this node's own writer loop.
func (w *Writer) holdLocal(ctx context.Context, events []Event, encoded []byte) (*Held, error) {
	r := &appendReq{ctx: context.WithoutCancel(ctx), events: events, encoded: encoded, size: len(encoded),
		hold: &holdState{reserved: make(chan struct{})}}
	if r.size > maxPayload-(1<<20) {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, r.size)
	}
	r.done = make(chan appendResult, 1)
	r.queued = time.Now()
	select {
	case w.reqs <- r:
	case <-w.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	h := &Held{w: w, r: r}
	select {
	case <-r.hold.reserved:
		return h, nil
	case res := <-r.done:
		if res.err == nil {
			res.err = errors.New("ledger: held append answered before its commit")
		}
		return nil, res.err
	case <-ctx.Done():
		// It may still be reserved: drop it so nothing waits on it.
		go h.Abort()
		return nil, ctx.Err()
	}
}

// Commit adds extra (may be none) to the held request, lets its message be
// published and returns its sequence once stored.
func (h *Held) Commit(ctx context.Context, extra ...Event) (uint64, error) {
	var enc []byte
	if len(extra) > 0 {
		var err error
		if enc, err = encodeEvents(extra); err != nil {
			h.Abort()
			return 0, fmt.Errorf("ledger: encode events: %w", err)
		}
	}
	if h.remote != nil {
		return h.commitRemote(ctx, extra, enc)
	}
	return h.commitEncoded(ctx, extra, enc)
}

// commitEncoded is Commit with the extra events already encoded.
func (h *Held) commitEncoded(ctx context.Context, extra []Event, enc []byte) (uint64, error) {
	if !h.send(&release{r: h.r, extra: extra, enc: enc}) {
		return 0, errors.New("ledger: held append committed twice")
	}
	select {
	case res := <-h.r.done:
		return res.seq, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Abort drops the held request: none of its events are stored.
func (h *Held) Abort() {
	if h.remote != nil {
		h.once.Do(func() { _, _ = h.w.forward(context.Background(), fwdAbort, h.remote.id, nil) })
		return
	}
	h.send(&release{r: h.r, drop: true})
}

// commitRemote commits a hold the elected writer keeps. If no writer
// serves any more (it died or stepped down: the hold is dropped there,
// unstored), the request is appended here in one piece, checked anew.
func (h *Held) commitRemote(ctx context.Context, extra []Event, enc []byte) (uint64, error) {
	ran := false
	h.once.Do(func() { ran = true })
	if !ran {
		return 0, errors.New("ledger: held append committed twice")
	}
	rep, err := h.w.forward(ctx, fwdCommit, h.remote.id, enc)
	all := append(append([]Event(nil), h.remote.events...), extra...)
	if errors.Is(err, errNotServed) || err == nil && (rep.notServed() || rep.Code == "hold_expired") {
		// Not stored: the writer that held it is gone, or another
		// writer took over (the old one drops the hold unstored), or it
		// outstayed maxHold. Append it whole, checked anew.
		encoded := h.remote.encoded
		if len(enc) > 0 {
			encoded = append(append(append([]byte(nil), encoded...), ','), enc...)
		}
		return h.w.appendEncoded(ctx, all, encoded)
	}
	if err != nil {
		return 0, forwardFailed(err)
	}
	if err := rep.err(); err != nil {
		return 0, err
	}
	return rep.Seq, h.w.waitLocal(ctx, all, rep.Seq)
}

func (h *Held) send(rel *release) bool {
	sent := false
	h.once.Do(func() {
		sent = true
		select {
		case h.w.release <- rel:
		case <-h.w.stop:
		}
	})
	return sent
}

// reserve marks r accepted and packed into g.
func (r *appendReq) reserve(g *group) {
	if r.hold == nil || !r.hold.held && r.hold.group != nil {
		return
	}
	if r.hold.group == nil {
		r.hold.held = true
		r.hold.deadline = time.Now().Add(maxHold)
	}
	r.hold.group = g
	g.held++
	r.hold.reservedOnce.Do(func() { close(r.hold.reserved) })
}

// released handles Commit and Abort: the extra events join the request's
// part of its group, which may then be published, or the request leaves
// it.
func (w *Writer) released(rel *release) {
	r := rel.r
	if !r.hold.held || r.hold.group == nil {
		return // already answered (dropped, refused or failed)
	}
	g := r.hold.group
	r.hold.held = false
	g.held--
	if rel.drop {
		w.drop(g, r, ErrHoldExpired)
		return
	}
	if len(rel.enc) > 0 {
		r.encoded = append(append(r.encoded, ','), rel.enc...)
		r.events = append(r.events, rel.extra...)
		g.size += len(rel.enc) + 1
		r.size += len(rel.enc) + 1
		g.events += len(rel.extra)
	}
}

// drop takes r out of g and answers it with err.
func (w *Writer) drop(g *group, r *appendReq, err error) {
	for i, x := range g.reqs {
		if x == r {
			g.reqs = append(g.reqs[:i], g.reqs[i+1:]...)
			break
		}
	}
	g.size -= r.size
	g.events -= len(r.events)
	for i := range r.events {
		if r.events[i].Kind != "" {
			delete(g.staged, r.events[i].AggregateKey())
		}
	}
	r.done <- appendResult{err: err}
}

// overdue drops the held requests of g that outstayed maxHold, and
// returns the time until the next one would, if any is left.
func (w *Writer) overdue(g *group, now time.Time) time.Duration {
	next := time.Duration(-1)
	for _, r := range append([]*appendReq(nil), g.reqs...) {
		if r.hold == nil || !r.hold.held {
			continue
		}
		if left := r.hold.deadline.Sub(now); left > 0 {
			if next < 0 || left < next {
				next = left
			}
			continue
		}
		r.hold.held = false
		g.held--
		w.drop(g, r, ErrHoldExpired)
	}
	return next
}

// unqueue answers what waited for an emptied group: the requests it
// refused retry at once.
func (w *Writer) unqueue(g *group) {
	for i, r := range g.refused {
		r.done <- appendResult{err: g.refusedErr[i]}
	}
}
