package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// switchableAudit appends through the bus until failing is set, then
// refuses every append, as a ledger on a full disk does.
type switchableAudit struct {
	next    gateway.AuditLog
	failing atomic.Bool
	calls   atomic.Int32
}

// errDiskFull is what the ledger answers on a full disk: its sentinel,
// wrapped with a detail naming the data dir (not to be shown).
var errDiskFull = fmt.Errorf("append to /secret/data/dir: %w", ledger.ErrStorageFull)

func (a *switchableAudit) Append(ctx context.Context, events ...ledger.Event) (uint64, error) {
	a.calls.Add(1)
	if a.failing.Load() {
		return 0, errDiskFull
	}
	return a.next.Append(ctx, events...)
}

type rootTokens struct{}

func (rootTokens) Resolve(_ context.Context, raw string) (*framework.Caller, error) {
	if raw != "root" {
		return nil, framework.ErrPermissionDenied
	}
	return &framework.Caller{Accessor: "root-accessor", Policies: []string{"root"}, IsRoot: true}, nil
}
func (rootTokens) Use(context.Context, *framework.Caller) error { return nil }
func (rootTokens) Login(context.Context, *framework.Request, *framework.Auth) (*framework.Auth, error) {
	return nil, framework.ErrPermissionDenied
}

// TestAuditFailureFailsClosed: no audit record, no response. With the
// audit append failing, a read answers 503 at once with no byte of the
// secret, and a write answers 503 with nothing stored (its events wait in
// the writer for the response record, which could not be stored).
func TestAuditFailureFailsClosed(t *testing.T) {
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){kvstore.Register}})
	audit := &switchableAudit{next: env.Bus}
	const accessor = "kv_failclosed"
	gw := gateway.New(gateway.Config{
		Deps: env.Deps,
		Mounts: func(path string) (gateway.Mount, string, bool) {
			rel, ok := strings.CutPrefix(path, "secret/")
			return gateway.Mount{Path: "secret/", Type: "kv-v2", Accessor: accessor}, rel, ok
		},
		ACL:       func([]string) (*acl.ACL, error) { return acl.NewRoot(), nil },
		Tokens:    rootTokens{},
		Factories: map[string]framework.Factory{"kv-v2": func(m framework.MountInfo) (*framework.Backend, error) { return kv.New(env.Deps, m), nil }},
		Audit:     audit,
		Log:       testkit.Log(),
	})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	const value = "hunter2-canary"
	c := testkit.VaultClient(t, srv.URL, "root")
	_, err := c.KVv2("secret").Put(context.Background(), "app", map[string]any{"password": value})
	require.NoError(t, err)
	last, err := env.Ledger.LastSeq(context.Background())
	require.NoError(t, err)

	audit.failing.Store(true)
	do := func(method, path, body string, token ...string) (int, string, time.Duration) {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, srv.URL+path, r)
		require.NoError(t, err)
		req.Header.Set("X-Vault-Token", append(token, "root")[0])
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b), time.Since(start)
	}
	status, body, took := do("GET", "/v1/secret/data/app", "")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.JSONEq(t, `{"errors":["gateway: audit record could not be written: `+ledger.ErrStorageFull.Error()+`; requests are refused until it recovers"]}`, body)
	assert.NotContains(t, body, "/secret/data/dir", "the detail stays in the log")
	assert.NotContains(t, body, value)
	assert.Less(t, took, 5*time.Second, "answered at once, not when a client gives up")

	status, body, _ = do("POST", "/v1/secret/data/app", `{"data":{"password":"new"}}`)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.NotContains(t, body, "new")
	now, err := env.Ledger.LastSeq(context.Background())
	require.NoError(t, err)
	assert.Equal(t, last, now, "the refused write appended nothing: its events go with its audit records")

	status, _, _ = do("GET", "/v1/secret/data/app", "", "not-a-token")
	assert.Equal(t, http.StatusServiceUnavailable, status, "refused requests are audited too, so they fail closed as well")

	audit.failing.Store(false)
	got, err := c.KVv2("secret").Get(context.Background(), "app")
	require.NoError(t, err, "serves again as soon as the ledger takes records")
	assert.Equal(t, value, got.Data["password"])
}
