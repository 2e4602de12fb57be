package transit

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/transitstore"
)

const testMount = "transit_4f2a"

// env is a transit backend on a real embedded ledger and pebble store.
type env struct {
	t      testing.TB
	dir    string
	le     *ledgertest.Env
	ledger *ledger.Store
	store  *projections.Store
	proj   *projections.Projector
	deps   framework.Deps
	b      *Backend
	mount  *testkit.Mount
	clock  *testkit.Clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){transitstore.Register}})
	e := &env{t: t, dir: le.Dir, le: le, ledger: le.Ledger, clock: testkit.NewClock(time.Time{})}
	e.openBackend()
	// Registered after Start's cleanup, so it runs first: the backend
	// stops before the projector and the ledger.
	t.Cleanup(func() { e.b.Close() })
	return e
}

// openBackend starts a backend on the current projections.
func (e *env) openBackend() {
	e.store, e.proj, e.deps = e.le.Store, e.le.Projector, e.le.Deps
	e.b = New(e.deps, framework.MountInfo{Path: "transit/", Type: "transit", Accessor: testMount}, Options{Now: e.clock.Now, AutoRotateInterval: -1})
	fb := e.b.Framework()
	e.proj.Observe(testkit.Observe(fb))
	e.mount = &testkit.Mount{Backend: fb, Path: "transit/", Type: "transit", Accessor: testMount}
}

// rebuildProjections throws the read model away and replays the ledger
// into a fresh one, as a node does when projections/ is deleted.
func (e *env) rebuildProjections() {
	e.b.Close()
	e.le.ResetProjections(e.t)
	e.openBackend()
}

// call runs one request through the path table as the gateway would.
func (e *env) call(op framework.Operation, path string, data map[string]any) (*framework.Response, error) {
	e.t.Helper()
	if data == nil {
		data = map[string]any{}
	}
	return e.mount.Call(e.t, op, path, data)
}

func (e *env) write(path string, data map[string]any) map[string]any {
	e.t.Helper()
	resp, err := e.call(framework.UpdateOperation, path, data)
	require.NoError(e.t, err, "write %s", path)
	require.NotNil(e.t, resp, "write %s", path)
	if resp.StatusCode != 0 {
		require.Less(e.t, resp.StatusCode, 300, "write %s: %v", path, resp.Data)
	}
	return resp.Data
}

func (e *env) read(path string) map[string]any {
	e.t.Helper()
	resp, err := e.call(framework.ReadOperation, path, nil)
	require.NoError(e.t, err, "read %s", path)
	return resp.Data
}

// fail runs a request that must fail and returns its status and messages.
func (e *env) fail(op framework.Operation, path string, data map[string]any) (int, string) {
	e.t.Helper()
	resp, err := e.call(op, path, data)
	if err == nil {
		require.NotNil(e.t, resp, "%s %s succeeded with no content", op, path)
		require.GreaterOrEqual(e.t, resp.StatusCode, 400, "%s %s succeeded: %v", op, path, resp.Data)
		return resp.StatusCode, ""
	}
	status, msgs := framework.StatusOf(err)
	return status, strings.Join(msgs, "; ")
}

func (e *env) lastSeq() uint64 {
	e.t.Helper()
	seq, err := e.ledger.LastSeq(context.Background())
	require.NoError(e.t, err)
	return seq
}

// events returns every transit event in the ledger.
func (e *env) events() []ledger.Record {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last := e.lastSeq()
	var out []ledger.Record
	stop := errors.New("stop")
	err := e.ledger.Consume(ctx, 1, func(m ledger.Message) error {
		recs, err := e.ledger.Decode(m)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Kind == transitevent.AggregateKind {
				out = append(out, r)
			}
		}
		if m.Seq >= last {
			return stop
		}
		return nil
	})
	require.ErrorIs(e.t, err, stop)
	return out
}

func num(v any) int {
	switch t := v.(type) {
	case int:
		return t
	case int64:
		return int(t)
	case json.Number:
		n, _ := t.Int64()
		return int(n)
	}
	panic("not a number")
}

func cmdtransitCreate() cmdtransit.CreateKey {
	return cmdtransit.CreateKey{Type: cmdtransit.AES256GCM96}
}
