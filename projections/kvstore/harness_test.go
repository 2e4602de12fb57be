package kvstore_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
)

const mount = "kv_test1234"

// stack is a ledger on an embedded NATS server with the kv read model
// projected into pebble, all under one data dir.
type stack struct {
	dir    string
	ns     *server.Server
	nc     *nats.Conn
	ledger *ledger.Store
	store  *projections.Store
	runner *kv.Runner
	reader kvstore.Reader
	cancel context.CancelFunc
	done   chan struct{}
	closed bool
}

func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackIn(t, t.TempDir())
}

// startStackIn starts on dir, initialising the ledger or unsealing the one
// already there, and waits until the projections caught up with it.
func startStackIn(t *testing.T, dir string) *stack {
	t.Helper()
	ctx := context.Background()
	s := &stack{dir: dir, done: make(chan struct{})}
	var err error
	s.ns, s.nc, err = ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: filepath.Join(s.dir, "nats")})
	require.NoError(t, err)
	s.ledger, err = ledger.Open(ctx, s.nc, 1)
	require.NoError(t, err)
	seal, err := ledger.OpenDevSeal(s.dir)
	require.NoError(t, err)
	initialized, err := s.ledger.Initialized(ctx)
	require.NoError(t, err)
	if initialized {
		require.NoError(t, s.ledger.Unseal(ctx, seal))
	} else {
		require.NoError(t, s.ledger.Init(ctx, seal))
	}
	s.store, err = projections.Open(filepath.Join(s.dir, "projections"))
	require.NoError(t, err)
	p := projections.NewProjector(s.store, s.ledger, slog.Default())
	kvstore.Register(p)
	s.ledger.Writer().SetVersionSource(s.store)
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		_ = p.Run(runCtx)
	}()
	last, err := s.ledger.LastSeq(ctx)
	require.NoError(t, err)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	require.NoError(t, s.store.WaitApplied(wctx, last))
	s.reader = kvstore.Reader{Store: s.store, Ledger: s.ledger}
	s.runner = &kv.Runner{Bus: &commands.Bus{Ledger: s.ledger, Projections: s.store}, Reader: s.reader}
	t.Cleanup(s.close)
	return s
}

// close stops everything, so the files under dir are complete.
func (s *stack) close() {
	if s.closed {
		return
	}
	s.closed = true
	s.cancel()
	<-s.done
	s.ledger.Close()
	_ = s.store.Close()
	s.nc.Close()
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// rebuild projects the whole ledger from sequence 1 into a fresh pebble
// directory with a new projector and returns a reader over it.
func (s *stack) rebuild(t *testing.T) kvstore.Reader {
	t.Helper()
	store, err := projections.Open(filepath.Join(t.TempDir(), "rebuilt"))
	require.NoError(t, err)
	p := projections.NewProjector(store, s.ledger, slog.Default())
	kvstore.Register(p)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = store.Close()
	})
	last, err := s.ledger.LastSeq(context.Background())
	require.NoError(t, err)
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	require.NoError(t, store.WaitApplied(wctx, last))
	return kvstore.Reader{Store: store, Ledger: s.ledger}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return commands.WithMeta(ctx, commands.Meta{Actor: "test-accessor", RequestID: "req-1"})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
