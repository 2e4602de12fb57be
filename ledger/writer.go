package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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
	// maxQueuedRequests bounds what the writer takes off the channel while
	// a message is in flight; past it callers wait in the channel.
	maxQueuedRequests = 8192
	// brokenGrace is how long the message in flight may still be
	// acknowledged after the server reported a write error.
	brokenGrace = 500 * time.Millisecond
	// versionMapSoftLimit is when the writer forgets versions the
	// projections have already applied.
	versionMapSoftLimit = 100_000
)

type appendReq struct {
	ctx context.Context
	// events are the request's events; encoded is their JSON, comma
	// separated, made by the caller's goroutine so that the writer only
	// concatenates and seals.
	events  []Event
	encoded []byte
	subject string // raw appends only
	raw     []byte
	size    int
	// attempts counts publishes of this request that were certainly not
	// stored (fence lost, no responder); the writer retries those itself.
	attempts int
	queued   time.Time
	done     chan appendResult
	// hold is set for Hold's requests (writer_hold.go).
	hold *holdState
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
	js    jetstream.JetStream
	guard *storageGuard
	reqs  chan *appendReq
	// release carries Held.Commit's last events to the run goroutine.
	release chan *release
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	srcMu  sync.RWMutex
	source VersionSource

	// committed mirrors lastSeq for readers outside the run goroutine.
	committed atomic.Uint64
	// forwarded is the highest sequence the elected writer reported
	// (writer_forward.go).
	forwarded atomic.Uint64

	// leader fires on the stream's leader-elected advisory, peers when
	// the node lost a route to another server (writer_failover.go).
	leader, peers *broadcast

	// Owned by the run goroutine.
	lastSeq    uint64
	versions   map[string]versionEntry
	needResync bool
	epoch      uint64 // the storage guard's epoch last synced at
	// bodyBuf and packBuf are the last message's plaintext body and its
	// compressed form, reused for the next (sealing copies them): two
	// allocations of a group's size less per message (writer_publish.go).
	bodyBuf, packBuf []byte

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
	// Bytes is the size of the stored batch messages (sealed bodies).
	Bytes uint64
	// CommitNanos is the time from publishing each message to its
	// fsynced ack, summed: CommitNanos/Messages is the mean commit
	// latency.
	CommitNanos uint64
	// WaitNanos is the time each request waited from Append until its
	// message was published, summed over requests.
	WaitNanos uint64
	// Refused counts appends refused by the storage guard (full disk).
	Refused uint64
	// Retried counts requests republished after a publish that was
	// certainly not stored.
	Retried uint64
	// Forwarded counts requests sent to the elected writer;
	// ForwardFallbacks those of them no writer took, appended here.
	Forwarded        uint64
	ForwardFallbacks uint64
}

func newWriter(s *Store, lastSeq uint64) *Writer {
	js, err := jetstream.New(s.nc, jetstream.WithPublishAsyncTimeout(apiTimeout))
	if err != nil {
		js = s.js
	}
	w := &Writer{
		store:    s,
		js:       js,
		guard:    s.guard,
		reqs:     make(chan *appendReq, 4096),
		release:  make(chan *release, 256),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		lastSeq:  lastSeq,
		versions: map[string]versionEntry{},
		epoch:    s.guard.currentEpoch(),
		leader:   s.signals().leader,
		peers:    s.signals().peers,
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

func (w *Writer) versionSource() VersionSource {
	w.srcMu.RLock()
	defer w.srcMu.RUnlock()
	return w.source
}

// LastCommitted is the last sequence this writer stored (or found on
// re-sync), or the elected writer reported to a forwarded request if
// that is later.
func (w *Writer) LastCommitted() uint64 { return max(w.committed.Load(), w.forwarded.Load()) }

// Stats returns a copy of the counters.
func (w *Writer) Stats() WriterStats {
	w.statsMu.Lock()
	defer w.statsMu.Unlock()
	return w.stats
}

func (w *Writer) count(fn func(*WriterStats)) {
	w.statsMu.Lock()
	fn(&w.stats)
	w.statsMu.Unlock()
}

// Append stores events atomically and returns the sequence of the message
// that holds them. Each event with an aggregate must carry the version it
// creates (current+1, then +1 for each further event of the same aggregate
// in the call); otherwise the whole call fails with ErrConflict. On a full
// disk it fails at once with ErrStorageFull and nothing is stored.
func (w *Writer) Append(ctx context.Context, events ...Event) (uint64, error) {
	if len(events) == 0 {
		return 0, errors.New("ledger: empty append")
	}
	if err := w.guard.state(); err != nil {
		w.count(func(s *WriterStats) { s.Refused++ })
		return 0, err
	}
	encoded, err := encodeEvents(events)
	if err != nil {
		return 0, fmt.Errorf("ledger: encode events: %w", err)
	}
	return w.appendEncoded(ctx, events, encoded)
}

// appendEncoded is Append once the events are encoded: through the
// elected writer if another node serves appends, else here.
func (w *Writer) appendEncoded(ctx context.Context, events []Event, encoded []byte) (uint64, error) {
	if w.forwarding() {
		if seq, ok, err := w.forwardAppend(ctx, events, encoded); ok {
			return seq, err
		}
	}
	return w.appendLocal(ctx, events, encoded)
}

// appendLocal is Append through this node's own writer loop.
func (w *Writer) appendLocal(ctx context.Context, events []Event, encoded []byte) (uint64, error) {
	return w.submit(ctx, &appendReq{ctx: ctx, events: events, encoded: encoded, size: len(encoded)})
}

func (w *Writer) appendRaw(ctx context.Context, subject string, body []byte) (uint64, error) {
	return w.submit(ctx, &appendReq{ctx: ctx, subject: subject, raw: body, size: len(body)})
}

func (w *Writer) submit(ctx context.Context, r *appendReq) (uint64, error) {
	if r.size > maxPayload-(1<<20) {
		return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, r.size)
	}
	r.done = make(chan appendResult, 1)
	r.queued = time.Now()
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
	if w.js != w.store.js {
		// Its own context's reply subscription and reconnect watcher
		// would otherwise live as long as the connection: one goroutine
		// per seal/unseal cycle.
		w.js.CleanupPublisher()
	}
}

// run is the writer's loop. While one message is in flight (published,
// waiting for its fsynced ack) it keeps taking requests, checking their
// versions against what the message in flight will have made them, and
// packing them into the next group; when the ack comes, the next group is
// only concatenated, sealed and published. Batches therefore grow with the
// time a commit takes: a slow fsync makes fewer, larger messages.
func (w *Writer) run() {
	defer close(w.done)
	var (
		queue []*group
		fl    *flight
	)
	for {
		var holdTimer <-chan time.Time
		for fl == nil && len(queue) > 0 {
			g := queue[0]
			if g.raw == nil && len(g.reqs) == 0 && g.held == 0 {
				// Everything in it was dropped (writer_hold.go).
				w.unqueue(g)
				queue = queue[1:]
				continue
			}
			if g.held > 0 {
				// Its held requests still wait for their last events.
				if left := w.overdue(g, time.Now()); g.held > 0 {
					holdTimer = time.After(left)
					break
				}
			}
			fl, queue = w.send(g, queue[1:])
		}
		var (
			acked   <-chan *jetstream.PubAck
			failed  <-chan error
			timeout <-chan time.Time
			broken  <-chan struct{}
			elected <-chan struct{}
		)
		if fl != nil {
			acked, failed, timeout, elected = fl.fut.Ok(), fl.fut.Err(), fl.timer.C, fl.leader
			if !fl.broken {
				broken = w.guard.serverFailure()
			}
		}
		reqs := w.reqs
		if countQueued(queue) >= maxQueuedRequests {
			reqs = nil
		}
		select {
		case r := <-reqs:
			queue = w.enqueue(queue, fl, r)
			// Take whatever else is already waiting.
		drain:
			for countQueued(queue) < maxQueuedRequests {
				select {
				case r := <-w.reqs:
					queue = w.enqueue(queue, fl, r)
				default:
					break drain
				}
			}
		case rel := <-w.release:
			w.released(rel)
		case <-holdTimer:
			// The loop's top publishes what outstayed maxHold.
		case ack := <-acked:
			fl.timer.Stop()
			w.stored(fl, ack.Sequence)
			fl = nil
		case err := <-failed:
			fl.timer.Stop()
			queue = w.publishFailed(fl, err, queue)
			fl = nil
		case <-timeout:
			if err := w.guard.state(); fl.broken && err != nil {
				// The server reported a write error and this ack did not
				// come: it will not. Whether the message reached the disk
				// is settled by the re-sync after recovery; its requests
				// are answered now.
				w.refuse(fl.g, err)
				for _, g := range queue {
					w.refuse(g, err)
				}
				queue, fl = nil, nil
				w.needResync = true
				continue
			}
			queue = w.publishFailed(fl, context.DeadlineExceeded, queue)
			fl = nil
		case <-elected:
			// A new stream leader: the answer this publish waits for may
			// have died with the old one. Settle it now rather than at
			// its timeout.
			fl.timer.Stop()
			queue = w.publishFailed(fl, errLeaderChanged, queue)
			fl = nil
		case <-broken:
			// A write error somewhere in the server (maybe another
			// stream): give this ack a moment before giving up on it.
			fl.broken = true
			fl.timer.Reset(brokenGrace)
		case <-w.stop:
			if fl != nil {
				fl.timer.Stop()
				w.fail(fl.g.all(), ErrClosed)
			}
			w.failQueue(queue, ErrClosed)
			w.failChannel()
			return
		}
	}
}

func countQueued(queue []*group) int {
	n := 0
	for _, g := range queue {
		n += len(g.reqs)
		if g.raw != nil {
			n++
		}
	}
	return n
}

func (w *Writer) failChannel() {
	for {
		select {
		case r := <-w.reqs:
			r.done <- appendResult{err: ErrClosed}
		default:
			return
		}
	}
}

func (w *Writer) fail(rs []*appendReq, err error) {
	for _, r := range rs {
		r.done <- appendResult{err: err}
	}
}

func (w *Writer) failQueue(queue []*group, err error) {
	for _, g := range queue {
		w.fail(g.all(), err)
	}
}

// forgetApplied drops version entries the projections already reflect, so
// the map stays bounded on long-running servers.
func (w *Writer) forgetApplied() {
	if len(w.versions) < versionMapSoftLimit {
		return
	}
	src := w.versionSource()
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
