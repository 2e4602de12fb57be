package election

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

const testTTL = 1500 * time.Millisecond

func startServer(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: filepath.Join(t.TempDir(), "js"), NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// candidate is one node: its own connection, elector and run loop.
type candidate struct {
	nc     *nats.Conn
	el     *Elector
	cancel context.CancelFunc
	done   chan struct{}
	leads  atomic.Int32
}

// leaders counts candidates leading at once; max records the most ever.
type leaders struct {
	now, max atomic.Int32
}

func (l *leaders) lead(ctx context.Context, c *candidate) {
	n := l.now.Add(1)
	for {
		m := l.max.Load()
		if n <= m || l.max.CompareAndSwap(m, n) {
			break
		}
	}
	c.leads.Add(1)
	<-ctx.Done()
	l.now.Add(-1)
}

func newCandidate(t *testing.T, ns *server.Server, id string, l *leaders) *candidate {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(0))
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	el, err := Open(context.Background(), js, Options{NodeID: id, TTL: testTTL, Log: testkit.Log()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	c := &candidate{nc: nc, el: el, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		el.Run(ctx, func(ctx context.Context) { l.lead(ctx, c) })
	}()
	t.Cleanup(func() { cancel(); <-c.done; nc.Close() })
	return c
}

func leader(cs []*candidate) *candidate {
	var out *candidate
	for _, c := range cs {
		if ok, _ := c.el.Leading(); ok {
			if out != nil {
				return nil
			}
			out = c
		}
	}
	return out
}

func waitLeader(t *testing.T, cs []*candidate, within time.Duration) *candidate {
	t.Helper()
	var got *candidate
	testkit.Eventually(t, within, "one leader", func() bool {
		got = leader(cs)
		return got != nil
	})
	return got
}

func TestOneLeaderAndFailover(t *testing.T) {
	ns := startServer(t)
	var l leaders
	var cs []*candidate
	for _, id := range []string{"n1", "n2", "n3"} {
		cs = append(cs, newCandidate(t, ns, id, &l))
	}
	first := waitLeader(t, cs, 5*time.Second)
	holder, tok1, err := first.el.Holder(context.Background())
	require.NoError(t, err)
	require.Equal(t, first.el.ID(), holder)

	// A clean stop hands the lease over at once (well within one TTL).
	start := time.Now()
	first.cancel()
	<-first.done
	rest := without(cs, first)
	second := waitLeader(t, rest, testTTL)
	t.Logf("clean hand-over after %s", time.Since(start))
	_, tok2 := second.el.Leading()
	require.Greater(t, tok2, tok1, "the fencing token grows with each holder")

	// A leader cut off from JetStream steps down by itself, and another
	// node leads after the lease expired: never two at once.
	start = time.Now()
	second.nc.Close()
	testkit.Eventually(t, 2*testTTL, "the cut-off leader steps down", func() bool {
		ok, _ := second.el.Leading()
		return !ok
	})
	third := waitLeader(t, without(rest, second), 4*testTTL)
	t.Logf("failover after a lost leader: %s", time.Since(start))
	require.NotSame(t, second, third)
	require.EqualValues(t, 1, l.max.Load(), "two nodes led at once")
}

func without(cs []*candidate, x *candidate) []*candidate {
	var out []*candidate
	for _, c := range cs {
		if c != x {
			out = append(out, c)
		}
	}
	return out
}

func TestManyCandidatesNeverOverlap(t *testing.T) {
	ns := startServer(t)
	var l leaders
	var cs []*candidate
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		cs = append(cs, newCandidate(t, ns, id, &l))
	}
	var wg sync.WaitGroup
	for _, c := range cs[:4] {
		waitLeader(t, cs, 5*time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := c.el.Leading(); ok {
				c.cancel()
			}
		}()
		time.Sleep(testTTL / 2)
	}
	wg.Wait()
	waitLeader(t, cs, 5*testTTL)
	require.EqualValues(t, 1, l.max.Load())
}
