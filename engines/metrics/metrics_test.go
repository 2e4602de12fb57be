package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/metrics"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/node"
)

const rootToken = "root"

// startNode runs an in-process dev node with the given telemetry.
func startNode(t *testing.T, tel metrics.Config) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{
		DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: rootToken,
		Telemetry: tel, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// get sends GET path with token ("" for none) and returns the status and
// body.
func get(t *testing.T, n *node.Node, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, n.Addr+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

// scrape parses the Prometheus exposition as a scraper would.
func scrape(t *testing.T, n *node.Node, token string) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := get(t, n, "/v1/sys/metrics?format=prometheus", token)
	require.Equal(t, http.StatusOK, status, string(body))
	var p expfmt.TextParser
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err)
	return mfs
}

// value returns the value of the family's series with exactly labels
// (0 when there is none), for counters, gauges and summary counts.
func value(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		match := len(m.GetLabel()) == len(labels)
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue(), true
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue(), true
		case dto.MetricType_SUMMARY:
			return float64(m.GetSummary().GetSampleCount()), true
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsNeedATokenAndCountRequests(t *testing.T) {
	n := startNode(t, metrics.Config{})
	status, _ := get(t, n, "/v1/sys/metrics?format=prometheus", "")
	require.Equal(t, http.StatusForbidden, status, "without unauthenticated_metrics_access a token is needed")

	writes := map[string]string{"mount": "secret/", "operation": "update", "code": "200"}
	before, _ := value(scrape(t, n, rootToken), "coffer_http_requests_total", writes)
	c := testkit.VaultClient(t, n.Addr, rootToken)
	_, err := c.Logical().Write("secret/data/app", map[string]any{"data": map[string]any{"k": "v"}})
	require.NoError(t, err)

	mfs := scrape(t, n, rootToken)
	after, ok := value(mfs, "coffer_http_requests_total", writes)
	require.True(t, ok, "no write counted under secret/")
	require.Equal(t, before+1, after)
	lat, _ := value(mfs, "coffer_http_request_duration_seconds", map[string]string{"mount": "secret/", "operation": "update"})
	require.GreaterOrEqual(t, lat, 1.0)

	for name, check := range map[string]func(float64) bool{
		"coffer_core_unsealed":                    func(v float64) bool { return v == 1 },
		"coffer_ledger_messages_total":            func(v float64) bool { return v > 0 },
		"coffer_ledger_commit_duration_seconds":   func(v float64) bool { return v > 0 },
		"coffer_ledger_batch_events":              func(v float64) bool { return v > 0 },
		"coffer_projection_applied_sequence":      func(v float64) bool { return v > 0 },
		"coffer_projection_lag_messages":          func(v float64) bool { return v >= 0 },
		"coffer_projection_stalled":               func(v float64) bool { return v == 0 },
		"coffer_reaper_queue_jobs":                func(v float64) bool { return v == 0 },
		"coffer_lease_oldest_overdue_seconds":     func(v float64) bool { return v == 0 },
		"coffer_events_subscribers":               func(v float64) bool { return v == 0 },
		"coffer_events_subscribers_dropped_total": func(v float64) bool { return v >= 0 },
	} {
		v, ok := value(mfs, name, map[string]string{})
		require.True(t, ok, "%s missing", name)
		require.True(t, check(v), "%s = %v", name, v)
	}
	active, ok := value(mfs, "coffer_leases", map[string]string{"state": "active"})
	require.True(t, ok)
	require.Zero(t, active)
	expiring, ok := value(mfs, "coffer_leases_expiring", map[string]string{"within": "1h"})
	require.True(t, ok, "the web UI's expiries-ahead chart reads it")
	require.Zero(t, expiring)

	// JSON without format, in Vault's shape.
	status, body := get(t, n, "/v1/sys/metrics", rootToken)
	require.Equal(t, http.StatusOK, status)
	var js struct {
		Counters []struct {
			Name   string
			Value  float64
			Count  float64
			Labels map[string]string
		}
		Gauges []struct{ Name string }
	}
	require.NoError(t, json.Unmarshal(body, &js))
	found := false
	for _, c := range js.Counters {
		if c.Name == "coffer_http_requests_total" && c.Labels["mount"] == "secret/" && c.Labels["operation"] == "update" {
			found = c.Count >= 1 && c.Value == c.Count // the web UI rates Value
		}
	}
	require.True(t, found, "JSON counters lack the write: %s", body)
}

func TestUnauthenticatedMetricsAccess(t *testing.T) {
	n := startNode(t, metrics.Config{Unauthenticated: true})
	mfs := scrape(t, n, "")
	v, ok := value(mfs, "coffer_core_unsealed", map[string]string{})
	require.True(t, ok)
	require.Equal(t, 1.0, v)
	// Other sys paths still need a token.
	status, _ := get(t, n, "/v1/sys/mounts", "")
	require.Equal(t, http.StatusForbidden, status)
}

func TestPprofNeedsSudo(t *testing.T) {
	n := startNode(t, metrics.Config{})
	root := testkit.VaultClient(t, n.Addr, rootToken)
	// Vault would let this token read profiles; Coffer wants sudo.
	require.NoError(t, root.Sys().PutPolicy("profiler", `path "sys/pprof/*" { capabilities = ["read"] }`))
	sec, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"profiler"}})
	require.NoError(t, err)
	status, _ := get(t, n, "/v1/sys/pprof/heap", sec.Auth.ClientToken)
	require.Equal(t, http.StatusForbidden, status)

	status, body := get(t, n, "/v1/sys/pprof/goroutine?debug=1", rootToken)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), "goroutine profile: total")
	status, body = get(t, n, "/v1/sys/pprof/heap", rootToken)
	require.Equal(t, http.StatusOK, status)
	require.True(t, bytes.HasPrefix(body, []byte{0x1f, 0x8b}), "a heap profile is gzipped protobuf")
	status, body = get(t, n, "/v1/sys/pprof/profile?seconds=1", rootToken)
	require.Equal(t, http.StatusOK, status, string(body))
	require.True(t, bytes.HasPrefix(body, []byte{0x1f, 0x8b}), "a CPU profile is gzipped protobuf")
	status, _ = get(t, n, "/v1/sys/pprof/profile?seconds=0", rootToken)
	require.Equal(t, http.StatusBadRequest, status)
}
