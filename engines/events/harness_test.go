package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/database"
	"github.com/cofferhq/coffer/engines/framework"
	kveng "github.com/cofferhq/coffer/engines/kv"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/engines/sys"
	tokeneng "github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/engines/transit"
	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// testModules are the modules whose read models, event maps and state
// queries the hub under test uses, as the node's would.
var testModules = []framework.Module{
	sys.Module(sys.Config{}), tokeneng.Module, leaseeng.Module, audit.Module, kveng.Module, transit.Module, database.Module,
}

var testReadModels, testMaps, testQueries = func() ([]func(*projections.Projector), []framework.EventMap, []framework.StateQuery) {
	var rms []func(*projections.Projector)
	var maps []framework.EventMap
	var queries []framework.StateQuery
	for _, m := range testModules {
		for _, rm := range m.ReadModels {
			rms = append(rms, rm.Register)
		}
		maps = append(maps, m.Events...)
		queries = append(queries, m.StateAt...)
	}
	return rms, maps, queries
}()

// stack is a ledger on an embedded NATS server, the read models, a hub
// observing the projector, and the kv runner to make real events.
type stack struct {
	ledger  *ledger.Store
	store   *projections.Store
	hub     *Hub
	deps    framework.Deps
	kv      *kv.Runner
	kvMount string // accessor of secret/
	// denied makes the fake token resolver refuse every token.
	denied atomic.Bool
	// policies are the subscriber's policies (nil: root).
	mu       sync.Mutex
	policies []string
}

func startStack(t testing.TB, tune func(*Options)) *stack {
	t.Helper()
	s := &stack{}
	ledgertest.Start(t, ledgertest.Options{
		Register: testReadModels,
		Log:      slog.Default(),
		Setup: func(env *ledgertest.Env) {
			s.ledger, s.store, s.deps = env.Ledger, env.Store, env.Deps
			cache := policystore.NewCache(s.store)
			opts := Options{
				Node: "test", Deps: s.deps, ACL: cache.ACL, ReadModels: testReadModels, ScratchDir: t.TempDir(),
				Maps: testMaps, StateQueries: testQueries,
				Resolve: s.resolve,
			}
			if tune != nil {
				tune(&opts)
			}
			s.hub = NewHub(opts)
			env.Projector.Observe(cache.Observer())
			env.Projector.Observe(s.hub.Observer())
			// Registered after Start's own cleanup, so the hub closes
			// before the projector and the ledger stop.
			t.Cleanup(s.hub.Close)
		},
	})
	require.NoError(t, mount.EnsureDefaultMounts(metaCtx(t), s.deps.Bus))
	m, err := mountstore.Get(s.store, "secret/")
	require.NoError(t, err)
	s.kvMount = m.Accessor
	s.kv = &kv.Runner{Bus: s.deps.Bus, Reader: kvstore.Reader{Store: s.store, Ledger: s.ledger}}
	return s
}

func (s *stack) resolve(_ context.Context, raw string) (*framework.Caller, error) {
	if s.denied.Load() {
		return nil, fmt.Errorf("%w: revoked", framework.ErrPermissionDenied)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policies == nil {
		return &framework.Caller{ClientToken: raw, Accessor: "acc-root", IsRoot: true, Policies: []string{"root"}}, nil
	}
	return &framework.Caller{ClientToken: raw, Accessor: "acc-user", Policies: s.policies}, nil
}

func metaCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return commands.WithMeta(ctx, commands.Meta{Actor: "acc-writer", RequestID: ledger.NewID()})
}

// put writes a KV v2 secret and returns the ledger index of the write.
func (s *stack) put(t testing.TB, path, value string) uint64 {
	t.Helper()
	ctx, index := commands.WithIndexRecorder(metaCtx(t))
	_, err := s.kv.Write(ctx, s.kvMount, path, []byte(`{"v":"`+value+`"}`), nil)
	require.NoError(t, err)
	return index.Load()
}

// fakeSink records what a session sends.
type fakeSink struct {
	mu       sync.Mutex
	events   []*published
	advances []Cursor
	endErr   error
	endAt    Cursor
	ended    chan struct{}
	goneCh   chan struct{}
	// hold, when set, blocks every send until it is closed.
	hold chan struct{}
}

func newFakeSink() *fakeSink {
	return &fakeSink{ended: make(chan struct{}), goneCh: make(chan struct{})}
}

func (f *fakeSink) send(p *published, _ []byte) error {
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-f.goneCh:
			return errors.New("gone")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, p)
	return nil
}
func (f *fakeSink) flush() error { return nil }
func (f *fakeSink) advance(c Cursor) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advances = append(f.advances, c)
	return nil
}
func (f *fakeSink) keepalive() error { return nil }
func (f *fakeSink) end(err error, resume Cursor) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endErr, f.endAt = err, resume
	close(f.ended)
}
func (f *fakeSink) gone() <-chan struct{} { return f.goneCh }

func (f *fakeSink) received() []*published {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*published(nil), f.events...)
}

// startSession runs a session in the background; stop ends it.
func (s *stack) startSession(t testing.TB, typeGlob, prefix string, resume *Cursor, sink *fakeSink) (stop func()) {
	t.Helper()
	sess := &session{hub: s.hub, token: "tok", typeGlob: typeGlob, prefix: prefix, resume: resume, sink: sink}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sess.run(context.Background())
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() { close(sink.goneCh) })
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// waitSubscribed waits until n sessions are registered with the hub.
func (s *stack) waitSubscribed(t testing.TB, n int) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, fmt.Sprintf("%d subscribers", n), func() bool { return s.hub.Subscribers() == n })
}

func writePolicy(ctx context.Context, s *stack, name, text string) error {
	_, err := s.deps.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		v, err := s.deps.Bus.Version(policyevent.Kind, name)
		if err != nil {
			return nil, err
		}
		return commands.Sequence(policyevent.Kind, name, v, ledger.MakeEvent(policyevent.EventWritten, policyevent.Written{Name: name, Text: text})), nil
	})
	return err
}
