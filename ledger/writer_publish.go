package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// flight is the message published and not yet acknowledged.
type flight struct {
	g      *group
	msgID  string
	expect uint64 // the last sequence it is fenced on
	msg    *nats.Msg
	fut    jetstream.PubAckFuture
	// pre is the audit message published just before msg, fenced one
	// sequence earlier, when an audit retention splits the group
	// (retention.go); msg's fence makes it stored only after pre.
	pre   *nats.Msg
	preID string
	sent  time.Time
	timer *time.Timer
	// broken: the server reported a write error while this was in
	// flight.
	broken bool
	// leader fires when the stream elects a leader after the publish.
	leader <-chan struct{}
}

// send seals g and publishes it fenced on the last stored sequence. It
// returns the flight, or nil if g was answered without one (refused by
// the storage guard, or not stored and requeued), and the queue.
func (w *Writer) send(g *group, queue []*group) (*flight, []*group) {
	if w.needResync || w.epoch != w.guard.currentEpoch() {
		if err := w.guard.state(); err != nil {
			w.refuse(g, err)
			return nil, queue
		}
		if !w.resync() {
			w.fail(g.all(), ErrClosed)
			return nil, queue
		}
		// Everything queued was checked against a version map that may
		// have been stale.
		// The run loop publishes the first group, unless it holds
		// requests that wait for their commit.
		return nil, w.requeue(append([]*group{g}, queue...))
	}
	fl, ok := w.seal(g)
	if !ok {
		return nil, queue
	}
	size := len(fl.msg.Data)
	if fl.pre != nil {
		size += len(fl.pre.Data)
	}
	if err := w.guard.check(size); err != nil {
		w.refuse(g, err)
		return nil, queue
	}
	fl.sent = time.Now()
	fl.leader = w.leader.C()
	w.waited(g, fl.sent)
	if fl.pre != nil {
		// Not waited for: msg's fence (the sequence pre takes) refuses msg
		// unless pre was stored first, so one round trip commits both.
		if _, err := w.js.PublishMsgAsync(fl.pre, jetstream.WithMsgID(fl.preID), jetstream.WithExpectLastSequence(fl.expect-1)); err != nil {
			return nil, w.notStored(fl, err, queue)
		}
	}
	fut, err := w.js.PublishMsgAsync(fl.msg, jetstream.WithMsgID(fl.msgID), jetstream.WithExpectLastSequence(fl.expect))
	if err != nil {
		// Never sent: certainly not stored.
		return nil, w.notStored(fl, err, queue)
	}
	fl.fut, fl.timer = fut, time.NewTimer(apiTimeout)
	return fl, queue
}

// maxReusedBuffer bounds the buffers a writer keeps between messages.
const maxReusedBuffer = 1 << 20

// seal makes g's message (and, with an audit retention, its audit
// message) sealed and ready to publish, fenced on the last sequence.
func (w *Writer) seal(g *group) (*flight, bool) {
	fl := &flight{g: g, msgID: NewID(), expect: w.lastSeq}
	if g.raw != nil {
		fl.msg = &nats.Msg{Subject: g.raw.subject, Data: g.raw.raw, Header: nats.Header{}}
		return fl, true
	}
	b := w.store.Barrier()
	if b == nil {
		w.fail(g.all(), ErrSealed)
		return nil, false
	}
	batch := func(subject, id string, body []byte, events int) *nats.Msg {
		w.packBuf = appendCompressed(w.packBuf, body)
		m := &nats.Msg{Subject: subject, Data: b.Seal(batchAAD(subject, id), w.packBuf), Header: nats.Header{}}
		m.Header.Set(HeaderEvents, strconv.Itoa(events))
		return m
	}
	// A buffer grown by one large message is not kept for the next.
	defer func() {
		if cap(w.packBuf) > maxReusedBuffer {
			w.packBuf = nil
		}
		if cap(w.bodyBuf) > maxReusedBuffer {
			w.bodyBuf = nil
		}
	}()
	if w.store.retention <= 0 {
		w.bodyBuf = g.appendBody(w.bodyBuf[:0])
		fl.msg = batch(SubjectBatch, fl.msgID, w.bodyBuf, g.events)
		return fl, true
	}
	audit, domain, nAudit, nDomain := g.splitBodies()
	switch {
	case audit == nil:
		fl.msg = batch(SubjectBatch, fl.msgID, domain, nDomain)
	case domain == nil:
		fl.msg = batch(SubjectAudit, fl.msgID, audit, nAudit)
		fl.msg.Header.Set(headerTTL, ttlValue(w.store.retention))
	default:
		fl.preID = NewID()
		fl.pre = batch(SubjectAudit, fl.preID, audit, nAudit)
		fl.pre.Header.Set(headerTTL, ttlValue(w.store.retention))
		fl.pre.Header.Set(HeaderCommit, fl.msgID)
		fl.msg = batch(SubjectBatch, fl.msgID, domain, nDomain)
		fl.expect++
	}
	return fl, true
}

func (w *Writer) refuse(g *group, err error) {
	w.count(func(s *WriterStats) { s.Refused += uint64(len(g.all())) })
	w.fail(g.all(), err)
}

// stored answers a group whose message is stored at seq.
func (w *Writer) stored(fl *flight, seq uint64) {
	if seq != fl.expect+1 {
		w.needResync = true // cannot happen with the fence; be safe
	}
	w.lastSeq = seq
	w.committed.Store(seq)
	for k, v := range fl.g.staged {
		w.versions[k] = versionEntry{version: v, seq: seq}
	}
	w.forgetApplied()
	if fl.g.raw == nil {
		w.count(func(s *WriterStats) {
			s.Messages++
			s.Events += uint64(fl.g.events)
			s.Requests += uint64(len(fl.g.reqs))
			s.Bytes += uint64(len(fl.msg.Data))
			if fl.pre != nil {
				s.Messages++
				s.Bytes += uint64(len(fl.pre.Data))
			}
			s.CommitNanos += uint64(time.Since(fl.sent))
		})
	}
	for _, r := range fl.g.reqs {
		r.done <- appendResult{seq: seq}
	}
	if fl.g.raw != nil {
		fl.g.raw.done <- appendResult{seq: seq}
	}
	for i, r := range fl.g.refused {
		r.done <- appendResult{err: fl.g.refusedErr[i]}
	}
}

// publishFailed handles a publish that returned an error or no ack in
// time. A publish that timed out may still have been stored, so it is
// settled before anyone is answered.
func (w *Writer) publishFailed(fl *flight, err error, queue []*group) []*group {
	if gerr := w.guard.state(); gerr != nil {
		w.needResync = true
		w.fail(fl.g.all(), gerr)
		w.failQueue(queue, gerr)
		return nil
	}
	if certainlyNotStored(err) {
		return w.notStored(fl, err, queue)
	}
	seq, stored, known := w.settle(fl)
	switch {
	case stored:
		w.stored(fl, seq)
		return queue
	case known:
		return w.notStored(fl, err, queue)
	}
	// Cannot tell: answer so, and re-check everything after a re-sync.
	w.needResync = true
	w.fail(fl.g.all(), fmt.Errorf("%w: %v", ErrOutcomeUnknown, err))
	if gerr := w.guard.state(); gerr != nil {
		w.failQueue(queue, gerr)
		return nil
	}
	return queue
}

// notStored retries a group that certainly was not stored: after a
// re-sync, its requests and everything queued behind them are checked
// again and go out in the next messages. A request that keeps failing is
// answered with the error.
func (w *Writer) notStored(fl *flight, err error, queue []*group) []*group {
	if gerr := w.guard.state(); gerr != nil {
		w.needResync = true
		w.refuse(fl.g, gerr)
		w.failQueue(queue, gerr)
		return nil
	}
	var retry []*appendReq
	for _, r := range fl.g.all() {
		if !isFence(err) {
			// A lost fence means another node's message got in: the
			// cluster made progress, and this request is checked again
			// against it. Only its context bounds those rounds.
			r.attempts++
		}
		if r.attempts >= publishAttempts {
			r.done <- appendResult{err: fmt.Errorf("ledger: publish: %w", err)}
			continue
		}
		retry = append(retry, r)
	}
	w.count(func(s *WriterStats) { s.Retried += uint64(len(retry)) })
	if !isFence(err) && len(retry) > 0 {
		// No responder: JetStream is restarting or the connection is
		// down. Give it a moment.
		w.pause(time.Duration(retry[0].attempts) * 50 * time.Millisecond)
	}
	w.needResync = true
	if !w.resync() {
		w.fail(retry, ErrClosed)
		w.failQueue(queue, ErrClosed)
		return nil
	}
	return w.requeue(append([]*group{{reqs: retry}}, queue...))
}

// settle finds out whether a message whose publish gave no answer was
// stored. The fence allows it only at expect+1: if that slot holds our
// message id it was stored; if it holds another, it never will be; if
// it is empty, publishing again with the same id and fence decides (the
// server stores it now, or refuses the fence because the slot was taken,
// and then the slot is read again).
//
// A split group settles its audit message first, at the slot before: the
// domain message is fenced on it, so it cannot be stored without it.
func (w *Writer) settle(fl *flight) (seq uint64, stored, known bool) {
	if fl.pre != nil {
		if _, stored, known := w.settleOne(fl.expect, fl.pre, fl.preID); !stored {
			return 0, false, known
		}
	}
	return w.settleOne(fl.expect+1, fl.msg, fl.msgID)
}

// settleOne settles one message fenced to be stored at slot. Each try
// is short and a new stream leader starts the next at once, so settling
// ends soon after an election; settleBudget bounds it.
func (w *Writer) settleOne(slot uint64, msg *nats.Msg, msgID string) (seq uint64, stored, known bool) {
	deadline := time.Now().Add(settleBudget)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if w.guard.state() != nil {
			return 0, false, false
		}
		elected := w.leader.C()
		ctx, cancel := w.tryCtx()
		m, err := w.store.stream.GetMsg(ctx, slot)
		cancel()
		switch {
		case err == nil:
			return m.Sequence, m.Header.Get(jetstream.MsgIDHeader) == msgID, true
		case errors.Is(err, jetstream.ErrMsgNotFound):
			ctx, cancel := w.tryCtx()
			ack, perr := w.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID), jetstream.WithExpectLastSequence(slot-1))
			cancel()
			if perr == nil {
				return ack.Sequence, true, true
			}
			if isFence(perr) {
				continue
			}
		}
		if !w.pauseOrLeader(time.Duration(min(attempt+1, 5))*100*time.Millisecond, elected) {
			return 0, false, false
		}
	}
	return 0, false, false
}

// pause waits d unless the writer is stopping; it reports whether to go
// on.
func (w *Writer) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.stop:
		return false
	case <-t.C:
		return true
	}
}

func isFence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

func certainlyNotStored(err error) bool {
	return isFence(err) || errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, jetstream.ErrTooManyStalledMsgs)
}

func isConflict(err error) bool { return errors.Is(err, ErrConflict) }

// resync forgets the version map and reloads the last sequence, waiting
// until the projections have applied it so version look-ups are current.
// It reports false only when the writer is stopping.
func (w *Writer) resync() bool {
	w.count(func(s *WriterStats) { s.Resyncs++ })
	w.versions = map[string]versionEntry{}
	for {
		// Short tries: during an election the stream answers nothing,
		// and the new leader's advisory starts the next try at once.
		elected := w.leader.C()
		ctx, cancel := w.tryCtx()
		last, err := w.store.LastSeq(ctx)
		cancel()
		if err == nil {
			w.lastSeq = last
			w.committed.Store(last)
			break
		}
		if !w.pauseOrLeader(200*time.Millisecond, elected) {
			return false
		}
	}
	if src := w.versionSource(); src != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = src.WaitApplied(ctx, w.lastSeq)
		cancel()
	}
	w.needResync = false
	w.epoch = w.guard.currentEpoch()
	return true
}
