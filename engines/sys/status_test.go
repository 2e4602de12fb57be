package sys

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

func TestHealthCodes(t *testing.T) {
	e := start(t)
	for _, tc := range []struct {
		name           string
		sealed, uninit bool
		query          url.Values
		want           int
	}{
		{name: "active", want: http.StatusOK},
		{name: "active override", query: url.Values{"activecode": {"204"}}, want: http.StatusNoContent},
		{name: "standbyok does not matter when active", query: url.Values{"standbyok": {"true"}}, want: http.StatusOK},
		{name: "sealed", sealed: true, want: http.StatusServiceUnavailable},
		{name: "sealed override", sealed: true, query: url.Values{"sealedcode": {"200"}}, want: http.StatusOK},
		{name: "uninitialised", uninit: true, sealed: true, want: http.StatusNotImplemented},
		{name: "uninitialised override", uninit: true, sealed: true, query: url.Values{"uninitcode": {"200"}, "sealedcode": {"201"}}, want: http.StatusOK},
		{name: "standbycode ignored on an active node", query: url.Values{"standbycode": {"200"}, "activecode": {"299"}}, want: 299},
		{name: "bad code", query: url.Values{"activecode": {"abc"}}, want: http.StatusBadRequest},
		{name: "code out of range", query: url.Values{"sealedcode": {"42"}}, want: http.StatusBadRequest},
		{name: "bad standbyok", query: url.Values{"standbyok": {"maybe"}}, want: http.StatusBadRequest},
	} {
		e.seal.sealed.Store(tc.sealed)
		e.seal.uninit.Store(tc.uninit)
		resp := e.ok(t, call{op: framework.ReadOperation, path: "health", query: tc.query, anon: true})
		assert.Equal(t, tc.want, resp.StatusCode, tc.name)
		b := body(t, resp)
		if tc.want == http.StatusBadRequest {
			assert.Equal(t, map[string]any{"errors": []any{}}, b, tc.name)
			continue
		}
		assert.Equal(t, !tc.uninit, b["initialized"], tc.name)
		assert.Equal(t, tc.sealed, b["sealed"], tc.name)
	}
}

func TestHealthBody(t *testing.T) {
	e := start(t)
	b := body(t, e.ok(t, call{op: framework.ReadOperation, path: "health", anon: true}))
	for _, k := range []string{"initialized", "sealed", "standby", "performance_standby", "replication_performance_mode",
		"replication_dr_mode", "server_time_utc", "version", "cluster_name", "cluster_id"} {
		assert.Contains(t, b, k)
	}
	assert.Equal(t, false, b["standby"])
	assert.Equal(t, "disabled", b["replication_dr_mode"])
	assert.Equal(t, "0.1.0", b["version"])
	assert.InDelta(t, float64(time.Now().Unix()), b["server_time_utc"], 5)
	assert.Regexp(t, `^coffer-cluster-[0-9a-f]{8}$`, b["cluster_name"])
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, b["cluster_id"])
	again := body(t, e.ok(t, call{op: framework.ReadOperation, path: "health", anon: true}))
	assert.Equal(t, b["cluster_id"], again["cluster_id"], "the cluster id is stable")

	e.seal.sealed.Store(true)
	sealed := body(t, e.ok(t, call{op: framework.ReadOperation, path: "health", anon: true}))
	assert.NotContains(t, sealed, "cluster_id", "cluster details are hidden while sealed, as in Vault")
}

func TestSealStatus(t *testing.T) {
	e := start(t)
	resp := e.ok(t, call{op: framework.ReadOperation, path: "seal-status", anon: true})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	b := body(t, resp)
	want := map[string]any{
		"type": "shamir", "initialized": true, "sealed": false, "t": 1.0, "n": 1.0, "progress": 0.0,
		"nonce": "", "version": "0.1.0", "build_date": "2026-01-02T03:04:05Z", "migration": false,
		"recovery_seal": false, "storage_type": "ledger",
	}
	for k, v := range want {
		assert.Equal(t, v, b[k], k)
	}
	assert.Contains(t, b, "cluster_name")
	assert.Contains(t, b, "cluster_id")
}

func TestStatusPathsAreOpen(t *testing.T) {
	e := start(t)
	for _, p := range []string{"health", "seal-status"} {
		entry, _, err := e.backend.Match(p)
		require.NoError(t, err)
		assert.True(t, entry.Unauthenticated, p)
		assert.True(t, entry.Unaudited, p)
	}
	for _, p := range []string{"mounts", "policies/acl/x", "capabilities-self", "rotate", "key-status", "audit-hash/file"} {
		entry, _, err := e.backend.Match(p)
		require.NoError(t, err)
		assert.False(t, entry.Unauthenticated, p)
		assert.False(t, entry.Unaudited, p)
	}
}
