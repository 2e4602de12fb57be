package events

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Defaults of Options.
const (
	DefaultBuffer    = 1024
	DefaultRecheck   = 5 * time.Second
	DefaultKeepalive = 15 * time.Second
)

// Options wires a hub to the node.
type Options struct {
	// Node names the event source ("coffer://<node>"); the host name when
	// empty.
	Node string
	// Deps gives the projections (mount names), the ledger (replays) and
	// the logger.
	Deps framework.Deps
	// ACL compiles a subscriber's policies (policystore.Cache.ACL).
	ACL func(policies []string) (*acl.ACL, error)
	// Resolve re-authenticates a subscriber's token (token.Resolver).
	Resolve func(ctx context.Context, raw string) (*framework.Caller, error)
	// ReadModels are the projection registrations state-at replays into a
	// scratch store: the node's own list, so the past is computed by the
	// same code as the present.
	ReadModels []func(*projections.Projector)
	// Maps turn ledger events into public events (the modules' Events).
	Maps []framework.EventMap
	// StateQueries answer state-at (the modules' StateAt), tried in order.
	StateQueries []framework.StateQuery
	// ScratchDir holds state-at's temporary pebble stores (os.TempDir
	// when empty). They hold what the live projections hold: sealed
	// values and ciphertext only.
	ScratchDir string
	// Buffer is how many ledger messages a subscriber may fall behind
	// before it is disconnected.
	Buffer int
	// Recheck is how often an idle stream re-resolves its token.
	Recheck time.Duration
	// Keepalive is how often an idle stream proves it is alive.
	Keepalive time.Duration
}

// Hub fans committed ledger messages out to subscribers.
type Hub struct {
	opts   Options
	source string
	mounts *mountCache
	// mapper is used by the observer only (the projector calls it in
	// ledger order, one message at a time).
	mapper *mapper
	maps   map[string]func(framework.EventContext, *ledger.Record) (framework.PublicEvent, bool)

	nsubs atomic.Int32
	mu    sync.Mutex
	// last is the last ledger index the hub has seen: every message up to
	// it has been handed to the subscribers registered at the time.
	last   uint64
	subs   map[*subscriber]struct{}
	closed chan struct{}
	once   sync.Once

	// stateAt admits one point-in-time replay at a time.
	stateAt chan struct{}
}

// NewHub builds a hub. Register its Observer before the projector runs:
// the hub starts from the projections' applied index and must see every
// message after it.
func NewHub(opts Options) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	if opts.Recheck <= 0 {
		opts.Recheck = DefaultRecheck
	}
	if opts.Keepalive <= 0 {
		opts.Keepalive = DefaultKeepalive
	}
	if opts.Deps.Log == nil {
		opts.Deps.Log = slog.Default()
	}
	if opts.Node == "" {
		opts.Node, _ = os.Hostname()
	}
	h := &Hub{
		opts:    opts,
		source:  "coffer://" + opts.Node,
		mounts:  newMountCache(opts.Deps.Store),
		subs:    map[*subscriber]struct{}{},
		closed:  make(chan struct{}),
		stateAt: make(chan struct{}, 1),
	}
	h.maps = eventMaps(opts.Maps)
	h.mapper = newMapper(h.source, h.mounts, h.maps, h.opts.Deps)
	if opts.Deps.Store != nil {
		h.last = opts.Deps.Store.AppliedSeq()
	}
	return h
}

// subscriber is one stream's mailbox. The hub sends it whole messages'
// worth of events; when the mailbox is full the hub drops the subscriber
// (closing lost) instead of waiting.
type subscriber struct {
	ch   chan []*published
	lost chan struct{}
	// revoked is closed when the hub sees the subscriber's token revoked.
	revoked   chan struct{}
	accessor  string
	typeGlob  string
	prefix    string
	isRevoked bool // guarded by Hub.mu
	// typeMatch caches matchGlob(typeGlob, type); guarded by Hub.mu.
	typeMatch map[string]bool
}

// wants reports whether any event of batch has the type and path prefix
// the subscriber asked for, so subscribers waiting for something else are
// not even woken. Called under Hub.mu.
func (s *subscriber) wants(batch []*published) bool {
	for _, p := range batch {
		m, ok := s.typeMatch[p.typ]
		if !ok {
			m = matchGlob(s.typeGlob, p.typ)
			s.typeMatch[p.typ] = m
		}
		if m && p.matchesPrefix(s.prefix) {
			return true
		}
	}
	return false
}

// Observer is the projector observer feeding the hub. Per message it maps
// the records once (only while someone is subscribed) and makes one
// non-blocking send per interested subscriber.
func (h *Hub) Observer() projections.Observer {
	return func(recs []ledger.Record) {
		if len(recs) == 0 {
			return // seal and keyring messages: nothing public
		}
		var batch []*published
		var revoked []string
		mapped := h.nsubs.Load() > 0
		if mapped {
			batch, revoked = h.mapAll(recs)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if !mapped {
			if len(h.subs) > 0 {
				batch, revoked = h.mapAll(recs) // someone subscribed meanwhile
			} else {
				for i := range recs {
					h.mounts.learn(&recs[i])
				}
			}
		}
		h.last = recs[0].Seq
		for _, acc := range revoked {
			h.revokeLocked(acc)
		}
		if len(batch) == 0 {
			return
		}
		for sub := range h.subs {
			if !sub.wants(batch) {
				continue
			}
			select {
			case sub.ch <- batch:
			default:
				h.dropLocked(sub)
			}
		}
	}
}

// mapAll maps a message's records and lists the accessors of the tokens
// it revokes.
func (h *Hub) mapAll(recs []ledger.Record) ([]*published, []string) {
	var batch []*published
	var revoked []string
	for i := range recs {
		if recs[i].Type == tokenevent.EventRevoked {
			if acc := tokenAccessor(&recs[i]); acc != "" {
				revoked = append(revoked, acc)
			}
		}
		if p := h.mapper.mapRecord(&recs[i]); p != nil {
			batch = append(batch, p)
		}
	}
	return batch, revoked
}

// revokeLocked tells the subscribers holding a revoked token at once,
// instead of at their next periodic check.
func (h *Hub) revokeLocked(accessor string) {
	for sub := range h.subs {
		if sub.accessor == accessor && !sub.isRevoked {
			sub.isRevoked = true
			close(sub.revoked)
		}
	}
}

// subscribe registers a mailbox and returns it with the last index the hub
// has seen: every later message will reach the mailbox (or drop it).
func (h *Hub) subscribe(typeGlob, prefix, accessor string) (*subscriber, uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.closed:
		return nil, 0, ErrClosed
	default:
	}
	sub := &subscriber{
		ch: make(chan []*published, h.opts.Buffer), lost: make(chan struct{}), revoked: make(chan struct{}),
		accessor: accessor, typeGlob: typeGlob, prefix: prefix, typeMatch: map[string]bool{},
	}
	h.subs[sub] = struct{}{}
	h.nsubs.Add(1)
	return sub, h.last, nil
}

func (h *Hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		h.nsubs.Add(-1)
	}
}

func (h *Hub) dropLocked(sub *subscriber) {
	delete(h.subs, sub)
	h.nsubs.Add(-1)
	droppedSubscribers.Add(1)
	close(sub.lost)
}

// droppedSubscribers counts, process-wide, the subscribers dropped for
// falling behind (a hub lives only while its node is unsealed; the
// metric must outlive it).
var droppedSubscribers atomic.Uint64

// DroppedSubscribers returns how many subscribers every hub of this
// process has dropped for falling behind, for sys/metrics.
func DroppedSubscribers() uint64 { return droppedSubscribers.Load() }

// caughtUp returns the hub's last index when the subscriber has consumed
// every message handed to it, so everything up to that index is settled
// for it (delivered or filtered out).
func (h *Hub) caughtUp(sub *subscriber) (uint64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[sub]; !ok || len(sub.ch) > 0 {
		return 0, false
	}
	return h.last, true
}

// Subscribers is the number of live subscriptions.
func (h *Hub) Subscribers() int { return int(h.nsubs.Load()) }

// Close ends every stream (each is told where to resume) and refuses new
// ones. It is safe to call more than once.
func (h *Hub) Close() {
	h.once.Do(func() { close(h.closed) })
}
