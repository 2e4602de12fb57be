package sys

import (
	"context"
	"encoding/json"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// fakeSeal is a SealState the tests can flip.
type fakeSeal struct {
	sealed, uninit atomic.Bool
}

func (s *fakeSeal) Sealed() bool          { return s.sealed.Load() }
func (s *fakeSeal) Initialized() bool     { return !s.uninit.Load() }
func (s *fakeSeal) SealType() string      { return "shamir" }
func (s *fakeSeal) Threshold() (int, int) { return 1, 1 }

type env struct {
	deps     framework.Deps
	ledger   *ledger.Store
	mounts   *mountstore.Table
	policies *policystore.Cache
	seal     *fakeSeal
	tokens   map[string]*framework.Caller
	backend  *framework.Backend
}

var rootAuth = &framework.Caller{Accessor: "root-accessor", Policies: []string{"root"}, IsRoot: true}

func start(t *testing.T, tweak ...func(*Options)) *env {
	t.Helper()
	e := &env{
		seal:   &fakeSeal{},
		tokens: map[string]*framework.Caller{},
	}
	le := ledgertest.Start(t, ledgertest.Options{
		Register: []func(*projections.Projector){mountstore.Register, policystore.Register},
		Setup: func(le *ledgertest.Env) {
			e.mounts = mountstore.NewTable(le.Store)
			e.policies = policystore.NewCache(le.Store)
			le.Projector.Observe(e.mounts.Observer())
			le.Projector.Observe(e.policies.Observer())
		},
	})
	e.ledger, e.deps = le.Ledger, le.Deps
	opts := Options{
		Mounts: e.mounts, Policies: e.policies, Seal: e.seal, Version: "0.1.0", BuildDate: "2026-01-02T03:04:05Z",
		ResolveToken: func(_ context.Context, token string) (*framework.Caller, error) {
			if a, ok := e.tokens[token]; ok {
				return a, nil
			}
			return nil, framework.ErrPermissionDenied
		},
	}
	for _, f := range tweak {
		f(&opts)
	}
	e.backend = New(e.deps, opts)
	return e
}

// call is one request to the sys backend, as the gateway would route it.
type call struct {
	op    framework.Operation
	path  string // relative to sys/
	data  map[string]any
	query url.Values
	auth  *framework.Caller // root when nil, unless anon
	anon  bool
}

func (e *env) do(t *testing.T, c call) (*framework.Response, error) {
	t.Helper()
	_, _, err := e.backend.Match(c.path)
	require.NoError(t, err, c.path)
	auth := c.auth
	if auth == nil && !c.anon {
		auth = rootAuth
	}
	m := &testkit.Mount{Backend: e.backend, Path: "sys/", Type: "system", Accessor: "system", Auth: auth}
	opts := []testkit.Option{func(r *framework.Request) { r.ID = "req-" + c.path }}
	data := c.data
	if c.query != nil {
		opts = append(opts, testkit.WithQuery(c.query))
		if data == nil {
			data = map[string]any{}
			for k, vs := range c.query {
				data[k] = vs[0]
			}
		}
	}
	return m.Call(t, c.op, c.path, data, opts...)
}

// ok runs a call that must succeed.
func (e *env) ok(t *testing.T, c call) *framework.Response {
	t.Helper()
	resp, err := e.do(t, c)
	require.NoError(t, err, "%s %s", c.op, c.path)
	return resp
}

// fails runs a call that must fail and returns its status and messages.
func (e *env) fails(t *testing.T, c call) (int, []string) {
	t.Helper()
	_, err := e.do(t, c)
	require.Error(t, err, "%s %s", c.op, c.path)
	return framework.StatusOf(err)
}

// body decodes a response rendered with Raw.
func body(t *testing.T, resp *framework.Response) map[string]any {
	t.Helper()
	require.NotNil(t, resp)
	require.NotNil(t, resp.Raw, "response has no rendered body")
	var m map[string]any
	require.NoError(t, json.Unmarshal(resp.Raw, &m))
	return m
}

// roundTrip gives data the types a client sees after JSON decoding.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}
