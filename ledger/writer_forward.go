package ledger

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Forwarded appends (see the package doc, "Several nodes"). In a cluster
// one node, the elected writer, serves subjectForward with its own
// Writer; the others send it their appends and holds instead of
// publishing against it. Everything in a forwarded request or reply is
// sealed by the barrier; the subject names nothing.
//
// Safety never rests on the forwarding: every node's Writer still fences
// its messages on the stream's last sequence, so a node that appends
// itself (no writer serving during a failover, or two nodes that both
// believe they are the writer) only costs re-syncs.

// subjectForward is outside the ledger stream's subjects (coffer.ledger.>)
// and outside coffer.>, so no stream captures it.
const subjectForward = "_coffer.writer.append"

// Forwarded request operations.
const (
	fwdAppend = 'a'
	fwdHold   = 'h'
	fwdCommit = 'c'
	fwdAbort  = 'x'
)

// fwdMaxAge bounds how old (by its sender's clock) a forwarded request
// may be when it is served; the served request ids kept for twice as
// long refuse replays of a sealed request in between. It outlasts the
// sender's own wait (apiTimeout+maxHold) and bounds the memory the ids
// take (two fwdMaxAge of forwarded requests).
const fwdMaxAge = 15 * time.Second

// Reply codes: the writer's sentinel errors, crossing the wire.
var fwdCodes = map[string]error{
	"conflict": ErrConflict, "sealed": ErrSealed, "closed": ErrClosed, "too_large": ErrTooLarge,
	"storage_full": ErrStorageFull, "storage_failed": ErrStorageFailed, "outcome_unknown": ErrOutcomeUnknown,
	"hold_expired": ErrHoldExpired,
}

type fwdReply struct {
	Seq       uint64 `json:"s,omitempty"`
	Committed uint64 `json:"c,omitempty"`
	Code      string `json:"k,omitempty"`
	Msg       string `json:"m,omitempty"`
}

// errNotServed: the request reached no writer able to take it; it was
// certainly not stored, and the caller appends through its own Writer.
var errNotServed = errors.New("ledger: no writer took the forwarded append")

// forwarding reports whether this node's appends go to the elected
// writer.
func (w *Writer) forwarding() bool {
	return w.store.forward.Load() && w.store.serving.Load() == 0
}

// seenCommitted notes a sequence the elected writer stored, so that
// LastCommitted covers the version a forwarded append lost to.
func (w *Writer) seenCommitted(seq uint64) {
	for {
		cur := w.forwarded.Load()
		if seq <= cur || w.forwarded.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// forward sends one request to the elected writer and returns its reply.
// errNotServed means nothing was stored.
func (w *Writer) forward(ctx context.Context, op byte, holdID string, enc []byte) (fwdReply, error) {
	b := w.store.Barrier()
	if b == nil {
		return fwdReply{}, ErrSealed
	}
	id := NewID()
	pt := make([]byte, 0, 1+8+32+len(enc))
	pt = append(pt, op)
	pt = binary.BigEndian.AppendUint64(pt, uint64(time.Now().UnixNano()))
	pt = append(pt, fmt.Sprintf("%-32s", holdID)...)
	pt = append(pt, enc...)
	data := append([]byte(id), b.Seal(fwdAAD("req", id), pt)...)
	if op == fwdAbort {
		return fwdReply{}, w.store.nc.Publish(subjectForward, data)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, apiTimeout+maxHold)
		defer cancel()
	}
	w.count(func(s *WriterStats) { s.Forwarded++ })
	pctx, cancel := w.peerCtx(ctx)
	defer cancel()
	m, err := w.store.nc.RequestWithContext(pctx, subjectForward, data)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(pctx), errPeerLost) {
		// The writer may have died with the route: stop waiting for it.
		return fwdReply{}, errPeerLost
	}
	if errors.Is(err, nats.ErrNoResponders) {
		w.count(func(s *WriterStats) { s.ForwardFallbacks++ })
		return fwdReply{}, errNotServed
	}
	if err != nil {
		return fwdReply{}, err
	}
	if len(m.Data) == 0 {
		// The writer could not open the request (a keyring term it has
		// not seen yet): nothing was stored.
		w.count(func(s *WriterStats) { s.ForwardFallbacks++ })
		return fwdReply{}, errNotServed
	}
	body, err := b.Open(fwdAAD("reply", id), m.Data)
	if err != nil {
		return fwdReply{}, fmt.Errorf("ledger: forwarded reply: %w", err)
	}
	var rep fwdReply
	if err := json.Unmarshal(body, &rep); err != nil {
		return fwdReply{}, fmt.Errorf("%w: forwarded reply: %v", ErrCorrupt, err)
	}
	w.seenCommitted(rep.Committed)
	return rep, nil
}

// replyErr turns a reply into the caller's error.
func (rep fwdReply) err() error {
	if rep.Code == "" {
		return nil
	}
	if rep.Code == "other" {
		return fmt.Errorf("ledger: elected writer: %s", rep.Msg)
	}
	sentinel, ok := fwdCodes[rep.Code]
	if !ok {
		return fmt.Errorf("ledger: elected writer: %s", rep.Msg)
	}
	if rep.Msg == "" || rep.Msg == sentinel.Error() {
		return sentinel
	}
	return fmt.Errorf("%w (elected writer: %s)", sentinel, rep.Msg)
}

// notServed reports a reply after which the caller may append itself:
// the writer node could not take the request, and stored nothing.
func (rep fwdReply) notServed() bool { return rep.Code == "sealed" || rep.Code == "closed" }

// forwardAppend is Append through the elected writer. ok is false when no
// writer took it (append locally).
func (w *Writer) forwardAppend(ctx context.Context, events []Event, enc []byte) (uint64, bool, error) {
	rep, err := w.forward(ctx, fwdAppend, "", enc)
	if errors.Is(err, errNotServed) || err == nil && rep.notServed() {
		return 0, false, nil
	}
	if err != nil {
		return 0, true, forwardFailed(err)
	}
	if err := rep.err(); err != nil {
		return 0, true, err
	}
	return rep.Seq, true, w.waitLocal(ctx, events, rep.Seq)
}

// forwardFailed is the error of a request sent that got no reply: it may
// have been stored.
func forwardFailed(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: forwarded append: %v", ErrOutcomeUnknown, err)
}

// waitLocal waits until this node's projections applied seq when events
// change an aggregate, so a client of this node reads its own write.
func (w *Writer) waitLocal(ctx context.Context, events []Event, seq uint64) error {
	src := w.versionSource()
	if src == nil {
		return nil
	}
	for i := range events {
		if events[i].Kind != "" {
			return src.WaitApplied(ctx, seq)
		}
	}
	return nil
}

func fwdAAD(kind, id string) []byte { return []byte("coffer-forward\x00" + kind + "\x00" + id) }

// ServeAppends takes other nodes' forwarded appends until ctx ends: the
// elected writer runs it. While it runs this node appends itself.
func (s *Store) ServeAppends(ctx context.Context) error {
	srv := &fwdServer{s: s, seen: map[string]time.Time{}, holds: map[string]*Held{}}
	s.serving.Add(1)
	defer s.serving.Add(-1)
	sub, err := s.nc.Subscribe(subjectForward, func(m *nats.Msg) { go srv.serve(m) })
	if err != nil {
		return fmt.Errorf("ledger: serve forwarded appends: %w", err)
	}
	t := time.NewTicker(fwdMaxAge)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Drain, not Unsubscribe: a request the server routed here
			// before it saw the unsubscription is still answered, rather
			// than left to time out on its sender.
			if err := sub.Drain(); err != nil {
				return fmt.Errorf("ledger: stop serving forwarded appends: %w", err)
			}
			for deadline := time.Now().Add(apiTimeout); sub.IsValid() && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			return nil
		case <-t.C:
			srv.forget(time.Now())
		}
	}
}

// SetForwarding makes this node send its appends to the elected writer
// (ServeAppends on another node) while it does not serve them itself.
// Only a cluster turns it on; a single node appends itself.
func (s *Store) SetForwarding(on bool) { s.forward.Store(on) }

type fwdServer struct {
	s     *Store
	mu    sync.Mutex
	seen  map[string]time.Time // request ids served, against replays
	holds map[string]*Held
}

func (f *fwdServer) forget(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, at := range f.seen {
		if now.Sub(at) > 2*fwdMaxAge {
			delete(f.seen, id)
		}
	}
}

func (f *fwdServer) serve(m *nats.Msg) {
	const idLen = 32
	b, w := f.s.Barrier(), f.s.Writer()
	if len(m.Data) < idLen || b == nil || w == nil {
		f.respond(m, nil, "", fwdReply{Code: "sealed"})
		return
	}
	id := string(m.Data[:idLen])
	pt, err := b.Open(fwdAAD("req", id), m.Data[idLen:])
	if err != nil || len(pt) < 1+8+32 {
		_ = m.Respond(nil) // not for us to read: the sender appends itself
		return
	}
	op, sent, holdID, enc := pt[0], time.Unix(0, int64(binary.BigEndian.Uint64(pt[1:9]))), string(pt[9:41]), pt[41:]
	now := time.Now()
	f.mu.Lock()
	_, replayed := f.seen[id]
	f.seen[id] = now
	f.mu.Unlock()
	if replayed || now.Sub(sent) > fwdMaxAge || sent.Sub(now) > fwdMaxAge {
		f.respond(m, b, id, fwdReply{Code: "other", Msg: "forwarded request replayed or too old"})
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	var rep fwdReply
	switch op {
	case fwdAppend:
		rep = f.append(ctx, w, enc)
	case fwdHold:
		rep = f.hold(ctx, w, holdID, enc)
	case fwdCommit:
		rep = f.commit(ctx, holdID, enc)
	case fwdAbort:
		if h := f.take(holdID); h != nil {
			h.Abort()
		}
		return
	default:
		rep = fwdReply{Code: "other", Msg: fmt.Sprintf("unknown operation %q", op)}
	}
	rep.Committed = w.LastCommitted()
	f.respond(m, b, id, rep)
}

func (f *fwdServer) append(ctx context.Context, w *Writer, enc []byte) fwdReply {
	events, err := decodeEncoded(enc)
	if err != nil {
		return replyOf(0, err)
	}
	return replyOf(w.appendLocal(ctx, events, enc))
}

func (f *fwdServer) hold(ctx context.Context, w *Writer, holdID string, enc []byte) fwdReply {
	events, err := decodeEncoded(enc)
	if err != nil {
		return replyOf(0, err)
	}
	h, err := w.holdLocal(ctx, events, enc)
	if err != nil {
		return replyOf(0, err)
	}
	f.mu.Lock()
	f.holds[holdID] = h
	f.mu.Unlock()
	// The writer drops a hold not committed within maxHold; forget it
	// here a little after.
	time.AfterFunc(2*maxHold, func() {
		if h := f.take(holdID); h != nil {
			h.Abort()
		}
	})
	return fwdReply{}
}

func (f *fwdServer) commit(ctx context.Context, holdID string, enc []byte) fwdReply {
	h := f.take(holdID)
	if h == nil {
		return replyOf(0, ErrHoldExpired)
	}
	var extra []Event
	if len(enc) > 0 {
		var err error
		if extra, err = decodeEncoded(enc); err != nil {
			h.Abort()
			return replyOf(0, err)
		}
	}
	return replyOf(h.commitEncoded(ctx, extra, enc))
}

func (f *fwdServer) take(holdID string) *Held {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holds[holdID]
	delete(f.holds, holdID)
	return h
}

func (f *fwdServer) respond(m *nats.Msg, b *Barrier, id string, rep fwdReply) {
	body, _ := json.Marshal(rep)
	if b == nil {
		// Sealed: nothing to seal the reply with. An empty reply tells the
		// sender to append itself, which is always safe.
		_ = m.Respond(nil)
		return
	}
	_ = m.Respond(b.Seal(fwdAAD("reply", id), body))
}

func replyOf(seq uint64, err error) fwdReply {
	if err == nil {
		return fwdReply{Seq: seq}
	}
	for code, sentinel := range fwdCodes {
		if errors.Is(err, sentinel) {
			return fwdReply{Code: code, Msg: err.Error()}
		}
	}
	return fwdReply{Code: "other", Msg: err.Error()}
}

// decodeEncoded reads back a request's events from their comma-separated
// JSON (encodeEvents).
func decodeEncoded(enc []byte) ([]Event, error) {
	buf := make([]byte, 0, len(enc)+2)
	buf = append(append(append(buf, '['), enc...), ']')
	var events []Event
	if err := json.Unmarshal(buf, &events); err != nil {
		return nil, fmt.Errorf("%w: forwarded events: %v", ErrCorrupt, err)
	}
	if len(events) == 0 {
		return nil, errors.New("ledger: empty append")
	}
	return events, nil
}

// forwardedHold is the part of a Held whose request the elected writer
// holds.
type forwardedHold struct {
	id      string
	events  []Event
	encoded []byte
}
