package kvstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
)

const mount = "kv_test1234"

// stack is a ledger on an embedded NATS server with the kv read model
// projected into pebble, all under one data dir.
type stack struct {
	dir    string
	env    *ledgertest.Env
	ledger *ledger.Store
	store  *projections.Store
	runner *kv.Runner
	reader kvstore.Reader
}

func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackIn(t, t.TempDir())
}

// startStackIn starts on dir, initialising the ledger or unsealing the one
// already there, and waits until the projections caught up with it.
func startStackIn(t testing.TB, dir string) *stack {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Dir: dir, Register: []func(*projections.Projector){kvstore.Register}})
	s := &stack{dir: dir, env: env, ledger: env.Ledger, store: env.Store}
	s.reader = kvstore.Reader{Store: s.store, Ledger: s.ledger}
	s.runner = &kv.Runner{Bus: env.Bus, Reader: s.reader}
	return s
}

// close stops everything, so the files under dir are complete.
func (s *stack) close() { s.env.Stop() }

// rebuild projects the whole ledger from sequence 1 into a fresh pebble
// directory with a new projector and returns a reader over it.
func (s *stack) rebuild(t *testing.T) kvstore.Reader {
	t.Helper()
	return kvstore.Reader{Store: s.env.Replay(t), Ledger: s.ledger}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return commands.WithMeta(ctx, commands.Meta{Actor: "test-accessor", RequestID: "req-1"})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
