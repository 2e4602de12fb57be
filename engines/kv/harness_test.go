package kv_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
)

const accessor = "kv_5f3a9c"

type engine struct {
	t     testing.TB
	deps  framework.Deps
	mount *testkit.Mount
}

// startEngine runs a real ledger and projections and mounts the engine at
// "secret/" as a kv-v2 mount.
func startEngine(t testing.TB) *engine {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){kvstore.Register}})
	info := framework.MountInfo{Path: "secret/", Type: "kv-v2", Accessor: accessor}
	return &engine{t: t, deps: env.Deps, mount: &testkit.Mount{Backend: kv.New(env.Deps, info), Path: "secret/", Type: "kv-v2", Accessor: accessor}}
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

func contentType(ct string) testkit.Option { return testkit.WithContentType(ct) }

// do routes one request as the gateway does and renders its answer.
func (e *engine) do(op framework.Operation, path string, data map[string]any, opts ...testkit.Option) result {
	e.t.Helper()
	r := e.mount.Do(e.t, op, path, data, opts...)
	return result{status: r.Status, op: r.Operation, data: r.Data, raw: r.Raw, errs: r.Errors, warn: r.Warnings}
}

func (e *engine) write(path string, data map[string]any) result {
	e.t.Helper()
	res := e.do(framework.UpdateOperation, "data/"+path, map[string]any{"data": data})
	require.Equal(e.t, http.StatusOK, res.status, "write %s: %v", path, res.errs)
	return res
}
