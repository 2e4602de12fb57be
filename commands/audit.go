package commands

import (
	"context"
	"sync"

	"github.com/cofferhq/coffer/ledger"
)

// One request, one commit. The gateway opens an audit scope for every
// audited request (WithAudit) holding its request record, and closes it by
// appending the response record through Bus.Append. In between:
//
//   - the request record is not committed on its own: it rides in the
//     first message the request appends (its events), or with the response
//     record when the request appended nothing (reads, transit);
//   - a command run with RunLast has its events held by the writer until
//     the response record joins them, so a write is one message: request
//     record, events, response record;
//   - code about to act outside the ledger (drop a database role) calls
//     AuditNow first: the request record must be durable before a side
//     effect the ledger cannot undo. A command's own events appended
//     before the side effect carry it too (a lease's lease.pending, before
//     its role is created).
//
// If any of these appends fails, nothing of the request was stored and
// the gateway answers 503 (fail closed).

type auditScope struct {
	mu      sync.Mutex
	request []ledger.Event // the pending request record; nil once stored
	held    *ledger.Held
	after   []func(context.Context)
	closed  bool
}

type auditKey struct{}

// WithAudit returns ctx carrying an audit scope whose request record is
// request (see above).
func WithAudit(ctx context.Context, request ledger.Event) context.Context {
	return context.WithValue(ctx, auditKey{}, &auditScope{request: []ledger.Event{request}})
}

func scopeOf(ctx context.Context) *auditScope {
	sc, _ := ctx.Value(auditKey{}).(*auditScope)
	if sc == nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.closed {
		return nil
	}
	return sc
}

// pending is what must precede the request's next events: its request
// record while it is not stored.
func (sc *auditScope) pending() []ledger.Event {
	if sc == nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.request
}

// stored notes that the request record is in the ledger.
func (sc *auditScope) stored() {
	if sc != nil {
		sc.mu.Lock()
		sc.request = nil
		sc.mu.Unlock()
	}
}

func (sc *auditScope) takeHeld() *ledger.Held {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	h := sc.held
	sc.held = nil
	return h
}

// AfterCommit runs fn once the request's events are stored: at once
// unless a RunLast command's events are held, then after the response
// record joins them (housekeeping that must not run for a write that
// might still fail, such as erasing the versions it prunes).
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	sc := scopeOf(ctx)
	if sc != nil {
		sc.mu.Lock()
		if sc.held != nil {
			sc.after = append(sc.after, fn)
			sc.mu.Unlock()
			return
		}
		sc.mu.Unlock()
	}
	fn(ctx)
}

// AuditNow stores the request's pending audit records (and held events)
// before the caller acts outside the ledger.
func (b *Bus) AuditNow(ctx context.Context) error {
	sc := scopeOf(ctx)
	if sc == nil {
		return nil
	}
	if err := b.flushHeld(ctx, sc); err != nil {
		return err
	}
	pre := sc.pending()
	if len(pre) == 0 {
		return nil
	}
	w := b.Ledger.Writer()
	if w == nil {
		return ledger.ErrSealed
	}
	if _, err := w.Append(ctx, pre...); err != nil {
		return err
	}
	sc.stored()
	return nil
}

// flushHeld commits a RunLast command's held events without waiting for
// the response (a second command in the same request must see them).
func (b *Bus) flushHeld(ctx context.Context, sc *auditScope) error {
	h := sc.takeHeld()
	if h == nil {
		return nil
	}
	seq, err := h.Commit(ctx)
	return b.committed(ctx, sc, seq, err)
}

// committed finishes a held commit: runs the deferred housekeeping and
// waits for the projections, as Run does.
func (b *Bus) committed(ctx context.Context, sc *auditScope, seq uint64, err error) error {
	sc.mu.Lock()
	after := sc.after
	sc.after = nil
	sc.mu.Unlock()
	if err != nil {
		return err
	}
	recordIndex(ctx, seq)
	for _, fn := range after {
		fn(context.WithoutCancel(ctx))
	}
	return b.Projections.WaitApplied(ctx, seq)
}

// finish stores the response record with whatever of the request is not
// stored yet, and closes the scope.
func (b *Bus) finish(ctx context.Context, sc *auditScope, events []ledger.Event) (uint64, error) {
	sc.mu.Lock()
	sc.closed = true
	h, pre := sc.held, sc.request
	sc.held, sc.request = nil, nil
	sc.mu.Unlock()
	all := append(append([]ledger.Event(nil), pre...), events...)
	stamp(ctx, all)
	if h != nil {
		seq, err := h.Commit(ctx, all...)
		return seq, b.committed(ctx, sc, seq, err)
	}
	w := b.Ledger.Writer()
	if w == nil {
		return 0, ledger.ErrSealed
	}
	return w.Append(ctx, all...)
}

// CloseAudit ends a request's scope. Events still held there (a handler
// that panicked, or a gateway whose response record could not be
// appended) are dropped: no response, nothing stored. The gateway defers
// it for every scope.
func (b *Bus) CloseAudit(ctx context.Context) {
	sc, _ := ctx.Value(auditKey{}).(*auditScope)
	if sc == nil {
		return
	}
	sc.mu.Lock()
	sc.closed = true
	h := sc.held
	sc.held, sc.after = nil, nil
	sc.mu.Unlock()
	if h != nil {
		h.Abort()
	}
}
