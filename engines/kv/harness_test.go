package kv_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
)

const accessor = "kv_5f3a9c"

type engine struct {
	t      testing.TB
	deps   framework.Deps
	router *framework.Router
}

// startEngine runs a real ledger and projections and mounts the engine at
// "secret/" as a kv-v2 mount.
func startEngine(t testing.TB) *engine {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){kvstore.Register}})
	deps := env.Deps
	b, err := kv.Factory(deps, framework.MountInfo{Path: "secret/", Type: "kv-v2", Accessor: accessor})
	require.NoError(t, err)
	return &engine{t: t, deps: deps, router: framework.NewRouter(b)}
}

// result is a handler's answer as the gateway would render it.
type result struct {
	status int
	op     framework.Operation // after the existence check
	data   map[string]any      // the envelope's data, decoded from JSON
	raw    string              // the data as JSON
	errs   []string
	warn   []string
}

type option func(*framework.Request)

func contentType(ct string) option { return func(r *framework.Request) { r.ContentType = ct } }

// do routes one request: match, existence check (update -> create), handle,
// then renders data through JSON as the gateway does.
func (e *engine) do(op framework.Operation, path string, data map[string]any, opts ...option) result {
	e.t.Helper()
	entry, vars, err := e.router.Match(path)
	if err != nil {
		status, msgs := framework.StatusOf(err)
		return result{status: status, errs: msgs}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := &framework.Request{
		ID: "req", Operation: op, Path: path, MountPath: "secret/", MountType: "kv-v2", MountAccessor: accessor,
		Vars: vars, Data: roundTrip(e.t, data), Ctx: commands.WithMeta(ctx, commands.Meta{Actor: "tester", RequestID: "req"}),
	}
	if op == framework.PatchOperation {
		req.ContentType = "application/merge-patch+json"
	}
	for _, o := range opts {
		o(req)
	}
	if op == framework.UpdateOperation && entry.ExistenceCheck != nil {
		exists, err := entry.ExistenceCheck(req)
		require.NoError(e.t, err)
		if !exists {
			req.Operation = framework.CreateOperation
		}
	}
	resp, err := framework.Handle(entry, req)
	if err != nil {
		status, msgs := framework.StatusOf(err)
		return result{status: status, op: req.Operation, errs: msgs}
	}
	res := result{status: http.StatusNoContent, op: req.Operation}
	if resp == nil {
		return res
	}
	res.warn = resp.Warnings
	res.status = resp.StatusCode
	if res.status == 0 {
		res.status = http.StatusOK
	}
	if resp.Data != nil {
		b, err := json.Marshal(resp.Data)
		require.NoError(e.t, err)
		res.raw = string(b)
		require.NoError(e.t, json.Unmarshal(b, &res.data))
	} else if len(resp.Warnings) == 0 && resp.StatusCode == 0 {
		res.status = http.StatusNoContent
	}
	return res
}

// roundTrip gives a request body the shape the gateway's decoder gives it
// (UseNumber).
func roundTrip(t testing.TB, data map[string]any) map[string]any {
	if data == nil {
		return nil
	}
	b, err := json.Marshal(data)
	require.NoError(t, err)
	dec := json.NewDecoder(bytesReader(b))
	dec.UseNumber()
	var out map[string]any
	require.NoError(t, dec.Decode(&out))
	return out
}

func (e *engine) write(path string, data map[string]any) result {
	e.t.Helper()
	res := e.do(framework.UpdateOperation, "data/"+path, map[string]any{"data": data})
	require.Equal(e.t, http.StatusOK, res.status, "write %s: %v", path, res.errs)
	return res
}

func kvFactory(e *engine, m framework.MountInfo) (framework.Backend, error) {
	return kv.Factory(e.deps, m)
}
