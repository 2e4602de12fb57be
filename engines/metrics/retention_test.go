package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

func TestSeriesExpireAfterRetention(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := newRequestMetrics(time.Hour, clock.Now)
	m.observe("old/", "read", 200, time.Millisecond)
	clock.Advance(40 * time.Minute)
	m.observe("new/", "read", 200, time.Millisecond)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	count := func(name string) map[string]bool {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		mounts := map[string]bool{}
		for _, mf := range mfs {
			for _, s := range mf.GetMetric() {
				for _, l := range s.GetLabel() {
					if mf.GetName() == name && l.GetName() == "mount" {
						mounts[l.GetValue()] = true
					}
				}
			}
		}
		return mounts
	}
	require.Equal(t, map[string]bool{"old/": true, "new/": true}, count("coffer_http_requests_total"))
	clock.Advance(30 * time.Minute) // old/ is 70 minutes old, new/ 30
	require.Equal(t, map[string]bool{"new/": true}, count("coffer_http_requests_total"))
	require.Equal(t, map[string]bool{"new/": true}, count("coffer_http_request_duration_seconds"))
}

func TestPrometheusDisabledByZeroRetention(t *testing.T) {
	r := NewRegistry(Config{PrometheusDisabled: true, Unauthenticated: true}, nil)
	srv := httptest.NewServer(r.Wrap(http.NotFoundHandler(), nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/sys/metrics?format=prometheus")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, err = http.Get(srv.URL + "/v1/sys/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "JSON still answers")
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"))
}

func TestOperationAndMountLabels(t *testing.T) {
	for _, tc := range []struct{ method, query, want string }{
		{"GET", "", "read"}, {"GET", "list=true", "list"}, {"LIST", "", "list"},
		{"PUT", "", "update"}, {"POST", "", "update"}, {"DELETE", "", "delete"}, {"PATCH", "", "patch"}, {"BREW", "", "other"},
	} {
		require.Equal(t, tc.want, operation(tc.method, tc.query), tc.method+"?"+tc.query)
	}
	require.Equal(t, mountSys, mountOf("sys/mounts", nil))
	require.Equal(t, mountTokenAuth, mountOf("auth/token/create", nil))
	require.Equal(t, mountUnmatched, mountOf("secret/data/a-secret-path", nil), "a path never becomes a label")
}
