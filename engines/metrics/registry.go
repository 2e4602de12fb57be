package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"github.com/cofferhq/coffer/ledger"
)

// DefaultRetention is prometheus_retention_time when the config does not
// say (Vault's default).
const DefaultRetention = 24 * time.Hour

// ErrPrometheusDisabled answers format=prometheus when the config set
// prometheus_retention_time = 0 (Vault's message).
var ErrPrometheusDisabled = errors.New("metrics: prometheus is not enabled")

// Config is the node's telemetry configuration.
type Config struct {
	// Retention is prometheus_retention_time: how long a request series
	// that nothing updated is kept. Zero means DefaultRetention.
	Retention time.Duration
	// PrometheusDisabled is prometheus_retention_time = 0: the Prometheus
	// format is refused (JSON still answers), as in Vault.
	PrometheusDisabled bool
	// Unauthenticated serves sys/metrics without a token (the listener's
	// unauthenticated_metrics_access; dev mode sets it).
	Unauthenticated bool
	// Sanitized is the server's configuration without secrets, served at
	// sys/config/state/sanitized (as Vault's).
	Sanitized map[string]any
	// Logs keeps the recent log lines sys/debug/logs serves (nil: none).
	Logs *LogRing
}

// Registry holds the node's metrics; it lives as long as the node.
type Registry struct {
	cfg      Config
	reg      *prometheus.Registry
	requests *requestMetrics
	// subscribers counts the event subscriptions streaming (requests to
	// sys/events/subscribe in flight).
	subscribers prometheus.Gauge
	leases      *leaseMetrics
	now         func() time.Time
}

// NewRegistry builds the node-wide registry: Go runtime and process
// metrics, the request metrics Wrap feeds, and the ledger's counters and
// seal status read from l at each scrape.
func NewRegistry(cfg Config, l *ledger.Store) *Registry {
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	r := &Registry{cfg: cfg, reg: prometheus.NewRegistry(), now: time.Now}
	r.requests = newRequestMetrics(cfg.Retention, r.now)
	r.subscribers = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "coffer_events_subscribers",
		Help: "Event subscriptions streaming (SSE and WebSocket) on this node.",
	})
	r.leases = newLeaseMetrics()
	r.reg.MustRegister(
		r.subscribers, r.leases.failures, r.leases.expiryLag,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.requests,
	)
	if l != nil {
		r.reg.MustRegister(&ledgerCollector{l: l})
	}
	return r
}

// CountFunc adds a counter read from fn at each scrape, for counters kept
// by packages metrics does not import (the node wires them).
func (r *Registry) CountFunc(name, help string, fn func() float64) {
	r.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// Config returns the registry's configuration.
func (r *Registry) Config() Config { return r.cfg }

// register adds a collector for as long as the node is unsealed; the
// returned function removes it.
func (r *Registry) register(c prometheus.Collector) (func(), error) {
	if err := r.reg.Register(c); err != nil {
		return nil, fmt.Errorf("metrics: register: %w", err)
	}
	return func() { r.reg.Unregister(c) }, nil
}

// Prometheus renders every metric in Prometheus's text exposition format.
func (r *Registry) Prometheus() ([]byte, string, error) {
	if r.cfg.PrometheusDisabled {
		return nil, "", ErrPrometheusDisabled
	}
	mfs, err := r.reg.Gather()
	if err != nil {
		return nil, "", fmt.Errorf("metrics: gather: %w", err)
	}
	var buf bytes.Buffer
	format := expfmt.FmtText
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, "", fmt.Errorf("metrics: encode: %w", err)
		}
	}
	return buf.Bytes(), string(format), nil
}
