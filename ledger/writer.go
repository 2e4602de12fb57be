package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// VersionSource answers the current version of an aggregate the writer has
// not written since it started: the projections' version table. The writer
// waits for the projections to apply the stream's last sequence before it
// trusts them (WaitApplied).
type VersionSource interface {
	AggregateVersion(kind, id string) (uint64, error)
	WaitApplied(ctx context.Context, seq uint64) error
	AppliedSeq() uint64
}

// Group-commit limits: one message carries at most this many requests and
// roughly this many bytes of event data.
const (
	maxGroupRequests = 1024
	maxGroupBytes    = 4 << 20
	publishAttempts  = 5
	// versionMapSoftLimit is when the writer forgets versions the
	// projections have already applied.
	versionMapSoftLimit = 100_000
)

type appendReq struct {
	ctx     context.Context
	events  []Event
	subject string // raw appends only
	raw     []byte
	size    int
	done    chan appendResult
}

type appendResult struct {
	seq uint64
	err error
}

type versionEntry struct {
	version uint64
	seq     uint64
}

// Writer is the single appender of a stream: it group-commits whatever
// requests queued while its previous publish was in flight. See the package
// doc for why.
type Writer struct {
	store *Store
	reqs  chan *appendReq
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	srcMu  sync.RWMutex
	source VersionSource

	// committed mirrors lastSeq for readers outside the run goroutine.
	committed atomic.Uint64

	// Owned by the run goroutine.
	lastSeq  uint64
	versions map[string]versionEntry

	statsMu sync.Mutex
	stats   WriterStats
}

// WriterStats counts what the writer did, for metrics and benchmarks.
type WriterStats struct {
	Messages  uint64
	Events    uint64
	Requests  uint64
	Conflicts uint64
	Resyncs   uint64
}

func newWriter(s *Store, lastSeq uint64) *Writer {
	w := &Writer{
		store:    s,
		reqs:     make(chan *appendReq, 4096),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		lastSeq:  lastSeq,
		versions: map[string]versionEntry{},
	}
	w.committed.Store(lastSeq)
	go w.run()
	return w
}

// SetVersionSource installs the projections' version table. Until it is
// set, an aggregate the writer has not seen counts as version 0.
func (w *Writer) SetVersionSource(src VersionSource) {
	w.srcMu.Lock()
	w.source = src
	w.srcMu.Unlock()
}

// LastCommitted is the last sequence this writer stored (or found on
// re-sync).
func (w *Writer) LastCommitted() uint64 { return w.committed.Load() }

// Stats returns a copy of the counters.
func (w *Writer) Stats() WriterStats {
	w.statsMu.Lock()
	defer w.statsMu.Unlock()
	return w.stats
}

// Append stores events atomically and returns the sequence of the message
// that holds them. Each event with an aggregate must carry the version it
// creates (current+1, then +1 for each further event of the same aggregate
// in the call); otherwise the whole call fails with ErrConflict.
func (w *Writer) Append(ctx context.Context, events ...Event) (uint64, error) {
	if len(events) == 0 {
		return 0, errors.New("ledger: empty append")
	}
	size := 0
	for i := range events {
		size += len(events[i].Data) + 256
	}
	return w.submit(ctx, &appendReq{ctx: ctx, events: events, size: size})
}

func (w *Writer) appendRaw(ctx context.Context, subject string, body []byte) (uint64, error) {
	return w.submit(ctx, &appendReq{ctx: ctx, subject: subject, raw: body, size: len(body)})
}

func (w *Writer) submit(ctx context.Context, r *appendReq) (uint64, error) {
	if r.size > maxPayload-(1<<20) {
		return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, r.size)
	}
	r.done = make(chan appendResult, 1)
	select {
	case w.reqs <- r:
	case <-w.stop:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case res := <-r.done:
		return res.seq, res.err
	case <-ctx.Done():
		// The append may still commit; the caller cannot know, exactly as
		// with any timed-out write.
		return 0, ctx.Err()
	}
}

func (w *Writer) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	var carry *appendReq
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case first = <-w.reqs:
			case <-w.stop:
				w.failQueued()
				return
			}
		}
		if first.raw != nil {
			w.commitRaw(first)
			continue
		}
		group, size := []*appendReq{first}, first.size
	drain:
		for len(group) < maxGroupRequests && size < maxGroupBytes {
			select {
			case r := <-w.reqs:
				if r.raw != nil {
					carry = r
					break drain
				}
				group = append(group, r)
				size += r.size
			default:
				break drain
			}
		}
		w.commit(group)
	}
}

func (w *Writer) failQueued() {
	for {
		select {
		case r := <-w.reqs:
			r.done <- appendResult{err: ErrClosed}
		default:
			return
		}
	}
}

func (w *Writer) currentVersion(key, kind, id string) (uint64, error) {
	if e, ok := w.versions[key]; ok {
		return e.version, nil
	}
	w.srcMu.RLock()
	src := w.source
	w.srcMu.RUnlock()
	if src == nil {
		return 0, nil
	}
	return src.AggregateVersion(kind, id)
}

// check validates one request's versions against staged (this group) and
// the version map, returning the versions it would set.
func (w *Writer) check(r *appendReq, staged map[string]uint64) (map[string]uint64, error) {
	mine := map[string]uint64{}
	for i := range r.events {
		e := &r.events[i]
		if e.Kind == "" {
			continue
		}
		key := e.AggregateKey()
		cur, ok := mine[key]
		if !ok {
			if cur, ok = staged[key]; !ok {
				v, err := w.currentVersion(key, e.Kind, e.Aggregate)
				if err != nil {
					return nil, err
				}
				cur = v
			}
		}
		if e.Version != cur+1 {
			return nil, fmt.Errorf("%w: %s %s is at version %d, event expects %d", ErrConflict, e.Kind, e.Aggregate, cur, e.Version-1)
		}
		mine[key] = e.Version
	}
	return mine, nil
}

func (w *Writer) commit(group []*appendReq) {
	staged := map[string]uint64{}
	accepted := group[:0:0]
	var events []Event
	conflicts := 0
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- appendResult{err: err}
			continue
		}
		mine, err := w.check(r, staged)
		if err != nil {
			if errors.Is(err, ErrConflict) {
				conflicts++
			}
			r.done <- appendResult{err: err}
			continue
		}
		for k, v := range mine {
			staged[k] = v
		}
		accepted = append(accepted, r)
		events = append(events, r.events...)
	}
	w.count(func(s *WriterStats) { s.Conflicts += uint64(conflicts) })
	if len(accepted) == 0 {
		return
	}
	body, err := encodeBatch(events)
	if err != nil {
		w.fail(accepted, fmt.Errorf("ledger: encode batch: %w", err))
		return
	}
	seq, err := w.publish(SubjectBatch, body, true)
	if err != nil {
		w.fail(accepted, err)
		return
	}
	for k, v := range staged {
		w.versions[k] = versionEntry{version: v, seq: seq}
	}
	w.forgetApplied()
	w.count(func(s *WriterStats) {
		s.Messages++
		s.Events += uint64(len(events))
		s.Requests += uint64(len(accepted))
	})
	for _, r := range accepted {
		r.done <- appendResult{seq: seq}
	}
}

func (w *Writer) commitRaw(r *appendReq) {
	seq, err := w.publish(r.subject, r.raw, false)
	r.done <- appendResult{seq: seq, err: err}
}

func (w *Writer) fail(rs []*appendReq, err error) {
	for _, r := range rs {
		r.done <- appendResult{err: err}
	}
}

func (w *Writer) count(fn func(*WriterStats)) {
	w.statsMu.Lock()
	fn(&w.stats)
	w.statsMu.Unlock()
}

// publish stores one message fenced on the last sequence this writer knows.
// Retries reuse the message id, so a publish that timed out but was stored
// is not stored twice. After a fence failure or exhausted retries the
// writer re-syncs from the stream and the projections.
func (w *Writer) publish(subject string, body []byte, encrypt bool) (uint64, error) {
	msgID := NewID()
	data := body
	if encrypt {
		b := w.store.Barrier()
		if b == nil {
			return 0, ErrSealed
		}
		data = b.Seal(batchAAD(subject, msgID), body)
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	var lastErr error
	for attempt := 0; attempt < publishAttempts; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		ack, err := w.store.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID), jetstream.WithExpectLastSequence(w.lastSeq))
		cancel()
		if err == nil {
			w.lastSeq = ack.Sequence
			w.committed.Store(ack.Sequence)
			return ack.Sequence, nil
		}
		lastErr = err
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
			// Someone else appended (or our timed-out publish landed under
			// a different id): our version map may be stale.
			w.resync()
			return 0, fmt.Errorf("%w: stream moved on: %v", ErrConflict, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoStreamResponse) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	w.resync()
	return 0, fmt.Errorf("ledger: publish: %w", lastErr)
}

// resync forgets the version map and reloads the last sequence, waiting
// until the projections have applied it so version look-ups are current.
func (w *Writer) resync() {
	w.count(func(s *WriterStats) { s.Resyncs++ })
	w.versions = map[string]versionEntry{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		last, err := w.store.LastSeq(ctx)
		cancel()
		if err == nil {
			w.lastSeq = last
			w.committed.Store(last)
			break
		}
		select {
		case <-w.stop:
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	w.srcMu.RLock()
	src := w.source
	w.srcMu.RUnlock()
	if src != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = src.WaitApplied(ctx, w.lastSeq)
		cancel()
	}
}

// forgetApplied drops version entries the projections already reflect, so
// the map stays bounded on long-running servers.
func (w *Writer) forgetApplied() {
	if len(w.versions) < versionMapSoftLimit {
		return
	}
	w.srcMu.RLock()
	src := w.source
	w.srcMu.RUnlock()
	if src == nil {
		return
	}
	applied := src.AppliedSeq()
	for k, e := range w.versions {
		if e.seq <= applied {
			delete(w.versions, k)
		}
	}
}
