package quorum

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNoQuorum reports that the ledger stream cannot commit right now.
var ErrNoQuorum = errors.New("quorum: the ledger has no quorum")

// Defaults.
const (
	DefaultInterval = 500 * time.Millisecond
	DefaultTimeout  = time.Second
	DefaultStale    = 3 * time.Second
	DefaultMisses   = 2
)

// Options configure a Monitor.
type Options struct {
	// Interval between probes; Timeout bounds one.
	Interval, Timeout time.Duration
	// Stale is how long the leader may not have heard from a replica
	// before the replica stops counting towards the quorum.
	Stale time.Duration
	// Misses is how many failed probes in a row mean the quorum is lost.
	Misses int
	// Reachable, when set, counts the cluster's servers this node is
	// connected to (itself included) out of all of them. A stream that
	// does not answer while a majority of servers is reachable is
	// electing a leader, not cut off: requests wait for the election
	// rather than being refused.
	Reachable func() (reachable, total int)
	Log       *slog.Logger
}

// InfoFunc reads the stream's info (ledger.Store.StreamInfo).
type InfoFunc func(ctx context.Context) (*jetstream.StreamInfo, error)

// Monitor probes the stream and remembers whether it has a quorum.
type Monitor struct {
	info InfoFunc
	o    Options

	mu     sync.Mutex
	misses int
	lost   error // why the quorum is lost; nil while it holds
}

// New returns a monitor of the stream whose info reads.
func New(info InfoFunc, o Options) *Monitor {
	o.Interval = cmp.Or(o.Interval, DefaultInterval)
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.Stale = cmp.Or(o.Stale, DefaultStale)
	o.Misses = cmp.Or(o.Misses, DefaultMisses)
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Monitor{info: info, o: o}
}

// Lost returns why the stream has no quorum (wrapping ErrNoQuorum), or
// nil while it has one.
func (m *Monitor) Lost() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lost
}

// Run probes until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.o.Interval)
	defer t.Stop()
	for {
		m.Probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Probe asks once and updates the state.
func (m *Monitor) Probe(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, m.o.Timeout)
	info, err := m.info(pctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	reason := Check(info, err, m.o.Stale)
	if reason != nil && err != nil && m.o.Reachable != nil {
		if n, total := m.o.Reachable(); total > 0 && n >= total/2+1 {
			reason = nil // an election in progress
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if reason == nil {
		if m.lost != nil {
			m.o.Log.Info("ledger quorum regained; serving again")
		}
		m.misses, m.lost = 0, nil
		return
	}
	m.misses++
	if m.misses >= m.o.Misses && m.lost == nil {
		m.o.Log.Error("ledger quorum lost; refusing requests that need the ledger", "err", reason)
	}
	if m.misses >= m.o.Misses {
		m.lost = reason
	}
}

// Check says whether a stream info answer shows a quorum: nil when it
// does, else why not. Pure, for tests.
func Check(info *jetstream.StreamInfo, err error, stale time.Duration) error {
	if err != nil {
		return fmt.Errorf("%w: the stream leader does not answer (%v)", ErrNoQuorum, err)
	}
	c := info.Cluster
	if c == nil || len(c.Replicas) == 0 {
		return nil // a single replica: its own quorum
	}
	if c.Leader == "" {
		return fmt.Errorf("%w: the stream has no leader", ErrNoQuorum)
	}
	total, alive := len(c.Replicas)+1, 1 // the leader answered
	for _, p := range c.Replicas {
		if !p.Offline && p.Active < stale {
			alive++
		}
	}
	if need := total/2 + 1; alive < need {
		return fmt.Errorf("%w: %d of %d replicas reachable, %d needed", ErrNoQuorum, alive, total, need)
	}
	return nil
}
