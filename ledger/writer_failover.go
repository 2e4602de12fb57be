package ledger

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Failover (see the package doc, "Failover"). When the stream's leader
// dies, JetStream elects another within its Raft election timeout (4-9 s
// in nats-server 2.15, not configurable); what the writer adds to that
// gap is its own waiting on the dead leader or the dead writer node. Two
// signals cut that short:
//
//   - the stream's leader-elected advisory: a publish still unanswered
//     was sent to the old leader (or its answer was lost with it), so it
//     is settled at once against the new one; a re-sync or settle that
//     waits for a leader tries again at once;
//   - a lost peer (PeerLost, called by the node when a route to another
//     server of an embedded cluster drops): a forwarded request in flight
//     to the elected writer may have died with it, so every forward in
//     flight stops waiting.
//
// Each API call on those paths is bounded by tryTimeout rather than
// apiTimeout and retried, so that no single wait outlives an election.

// advisoryLeaderElected is JetStream's advisory on a stream's new leader.
const advisoryLeaderElected = "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED." + StreamName

const (
	// tryTimeout bounds one API call made while recovering from a failed
	// publish (stream info, a slot read, a settling publish); the call is
	// retried until settleBudget runs out.
	tryTimeout = 2 * time.Second
	// settleBudget bounds settling one unanswered publish: past it the
	// outcome is reported unknown. It outlasts an election (4-9 s), and
	// no more: without a quorum nothing settles, and the caller, who
	// already waited out the publish, should hear so (node's
	// TestClusterQuorumLossFailsFast failed with 30 s).
	settleBudget = 12 * time.Second
)

// errLeaderChanged ends the wait for a publish's answer when the stream
// elected a new leader: the publish may or may not be stored, so it is
// settled.
var errLeaderChanged = errors.New("ledger: the stream elected a new leader while a publish was in flight")

// errPeerLost ends a forwarded request's wait when a route to another
// server dropped: the elected writer may have been on it.
var errPeerLost = errors.New("ledger: a cluster peer was lost while a forwarded request was in flight")

// broadcast wakes every waiter each time it fires.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func newBroadcast() *broadcast { return &broadcast{ch: make(chan struct{})} }

// C is closed at the next Fire.
func (b *broadcast) C() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *broadcast) fire() {
	b.mu.Lock()
	close(b.ch)
	b.ch = make(chan struct{})
	b.mu.Unlock()
}

// failoverSignals are the Store's failover signals, made on first use.
type failoverSignals struct {
	once sync.Once
	// leader fires on the stream's leader-elected advisory, peers when
	// the node lost a route to another server.
	leader, peers *broadcast
}

// signals returns the failover signals, subscribing to the ledger
// stream's leader-elected advisory the first time (replicated streams
// only: an R1 stream's leader is its one server). The subscription lasts
// as long as the connection.
func (s *Store) signals() *failoverSignals {
	s.fo.once.Do(func() {
		s.fo.leader, s.fo.peers = newBroadcast(), newBroadcast()
		if s.replicas > 1 {
			_, _ = s.nc.Subscribe(advisoryLeaderElected, func(*nats.Msg) { s.fo.leader.fire() })
		}
	})
	return &s.fo
}

// PeerLost tells the writer that a route to another server of the
// cluster dropped: forwarded requests in flight stop waiting for their
// answer (the elected writer may have died with the route) and fail
// with ErrWriterUnavailable (a hold: nothing stored) or
// ErrOutcomeUnknown (an append or commit: it may be stored).
func (s *Store) PeerLost() {
	s.signals().peers.fire()
}

// tryCtx is one bounded try of an API call on the recovery paths: it ends
// after tryTimeout, when the stream elects a leader (a try waiting on
// none ends at once) or when the writer stops.
func (w *Writer) tryCtx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), tryTimeout)
	leader := w.leader.C()
	go func() {
		select {
		case <-leader:
		case <-w.stop:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

// pauseOrLeader waits d, less if the stream elects a leader meanwhile
// (or already did: elected is the leader signal taken before the failed
// try); it reports false only when the writer is stopping.
func (w *Writer) pauseOrLeader(d time.Duration, elected <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.stop:
		return false
	case <-elected:
		return true
	case <-t.C:
		return true
	}
}

// peerCtx is ctx ended, with errPeerLost as its cause, when a peer is
// lost.
func (w *Writer) peerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	pctx, cancel := context.WithCancelCause(ctx)
	lost := w.peers.C()
	go func() {
		select {
		case <-lost:
			cancel(errPeerLost)
		case <-pctx.Done():
		}
	}()
	return pctx, func() { cancel(context.Canceled) }
}

// metaWait bounds awaitMetaLeader.
const metaWait = 30 * time.Second

// awaitMetaLeader waits, in short tries, until JetStream's meta group has
// a leader (only it answers account info in a cluster), for at most
// metaWait. A consumer is made through the meta leader, and the client's
// ordered consumer makes one with a single 10 s try: after a kill of the
// node that led both the stream and the meta group, a try sent before
// the meta group's election would hold the projections back for that
// long.
func (s *Store) awaitMetaLeader(ctx context.Context) {
	if s.replicas < 2 {
		return
	}
	deadline := time.Now().Add(metaWait)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		tctx, cancel := context.WithTimeout(ctx, tryTimeout/2)
		_, err := s.js.AccountInfo(tctx)
		cancel()
		if err == nil {
			return
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
}
