package metrics

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values of the mount label besides the mount table's paths.
const (
	mountSys       = "sys/"
	mountTokenAuth = "auth/token/"
	mountUnmatched = "unmatched"
)

// requestBuckets cover a read served from memory (well under a
// millisecond) up to a write waiting on a slow fsync or a CPU profile.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// requestMetrics are the per-mount request counters and latency
// histograms. A series nothing updated for the retention time is dropped
// at the next scrape (a disabled mount's series go away), as Vault's
// prometheus_retention_time does.
type requestMetrics struct {
	retention time.Duration
	now       func() time.Time

	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec

	// seen holds each counter series' last update (unix nanoseconds);
	// a request only takes the write lock for a series it is the first of.
	mu   sync.RWMutex
	seen map[[3]string]*atomic.Int64 // mount, operation, code
}

func newRequestMetrics(retention time.Duration, now func() time.Time) *requestMetrics {
	return &requestMetrics{
		retention: retention,
		now:       now,
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coffer_http_requests_total",
			Help: "HTTP API requests answered, by mount, operation and status code.",
		}, []string{"mount", "operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coffer_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by mount and operation (event streams count until they end).",
			Buckets: requestBuckets,
		}, []string{"mount", "operation"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "coffer_http_requests_in_flight",
			Help: "Requests being served, by mount (event subscriptions stay in flight while they stream).",
		}, []string{"mount"}),
		seen: map[[3]string]*atomic.Int64{},
	}
}

func (m *requestMetrics) observe(mount, op string, code int, took time.Duration) {
	c := strconv.Itoa(code)
	// The series is marked live before it is counted, so a scrape's prune
	// never deletes a series this request is about to count.
	key, at := [3]string{mount, op, c}, m.now().UnixNano()
	m.mu.RLock()
	last, ok := m.seen[key]
	m.mu.RUnlock()
	if !ok {
		m.mu.Lock()
		if last, ok = m.seen[key]; !ok {
			last = new(atomic.Int64)
			m.seen[key] = last
		}
		m.mu.Unlock()
	}
	last.Store(at)
	m.total.WithLabelValues(mount, op, c).Inc()
	m.duration.WithLabelValues(mount, op).Observe(took.Seconds())
}

// prune drops the series not updated within the retention time: a
// counter's (mount, operation, code), and a histogram's (mount, operation)
// once none of its codes is left.
func (m *requestMetrics) prune() {
	cutoff := m.now().Add(-m.retention).UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	stale := map[[2]string]bool{}
	for k, at := range m.seen {
		if at.Load() < cutoff {
			m.total.DeleteLabelValues(k[0], k[1], k[2])
			delete(m.seen, k)
			stale[[2]string{k[0], k[1]}] = true
		}
	}
	for k := range m.seen {
		delete(stale, [2]string{k[0], k[1]})
	}
	for k := range stale {
		m.duration.DeleteLabelValues(k[0], k[1])
	}
}

// Describe implements prometheus.Collector.
func (m *requestMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.total.Describe(ch)
	m.duration.Describe(ch)
	m.inFlight.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *requestMetrics) Collect(ch chan<- prometheus.Metric) {
	m.prune()
	m.total.Collect(ch)
	m.duration.Collect(ch)
	m.inFlight.Collect(ch)
}

// operation names a request's logical operation from its method, as
// Vault's router does (a create is an update until the backend's
// existence check says otherwise, which only the gateway knows).
func operation(method, query string) string {
	switch method {
	case "GET", "HEAD":
		if strings.Contains(query, "list=true") || strings.Contains(query, "list=1") {
			return "list"
		}
		return "read"
	case "LIST":
		return "list"
	case "PUT", "POST":
		return "update"
	case "PATCH":
		return "patch"
	case "DELETE":
		return "delete"
	}
	return "other"
}
