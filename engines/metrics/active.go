package metrics

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// reaperStream is the lease reaper's work-queue stream (engines/lease):
// its stored messages are the revocations still to do.
const reaperStream = "COFFER_REAPER"

// scrapeTimeout bounds the JetStream look-ups of one scrape.
const scrapeTimeout = 2 * time.Second

var (
	descLastSeq    = desc("coffer_ledger_last_sequence", "The ledger stream's last sequence.")
	descApplied    = desc("coffer_projection_applied_sequence", "The last ledger sequence this node's projections applied.")
	descLag        = desc("coffer_projection_lag_messages", "Ledger messages stored but not yet applied by this node's projections.")
	descStalled    = desc("coffer_projection_stalled", "1 when the projector stopped on an event it cannot apply.")
	descLeases     = desc("coffer_leases", "Leases the projections hold, by state.", "state")
	descOverdue    = desc("coffer_lease_oldest_overdue_seconds", "How long ago the earliest still-active lease should have expired (0 when none is due).")
	descReaperJobs = desc("coffer_reaper_queue_jobs", "Revocations queued for the reaper and not yet done.")
	descExpiring   = desc("coffer_leases_expiring", "Active leases due to expire within the window (the web UI's expiries ahead).", "within")
	descCheckpoint = desc("coffer_checkpoint_age_seconds", "Time since the last signed transparency checkpoint was stored.")
)

// leaseStates are reported even when no lease is in them, so a query
// sees 0 rather than nothing.
var leaseStates = []string{leaseevent.StatePending, leaseevent.StateActive, leaseevent.StateExpired,
	leaseevent.StateRevoking, leaseevent.StateRevoked, leaseevent.StateForgotten}

// expiryWindows are the horizons of coffer_leases_expiring.
var (
	expiryWindows     = []time.Duration{time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour}
	expiryWindowNames = []string{"1m", "15m", "1h", "24h"}
)

// activeCollector reads what exists only while the node is unsealed: the
// projections and the streams beside the ledger. close makes it report
// nothing, and waits for a scrape in progress, before the store closes.
type activeCollector struct {
	store *projections.Store
	l     *ledger.Store
	now   func() time.Time
	log   *slog.Logger

	mu     sync.Mutex
	closed bool
}

func (c *activeCollector) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

func (c *activeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastSeq, descApplied, descLag, descStalled, descLeases, descOverdue, descExpiring, descReaperJobs, descCheckpoint} {
		ch <- d
	}
}

func (c *activeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	applied := c.store.AppliedSeq()
	gauge(descApplied, float64(applied))
	gauge(descStalled, boolFloat(c.store.Stalled() != nil))
	if last, err := c.l.LastSeq(ctx); err == nil {
		gauge(descLastSeq, float64(last))
		gauge(descLag, float64(last-min(last, applied)))
	} else {
		c.skip("ledger last sequence", err)
	}
	if counts, err := leasestore.CountByState(c.store); err == nil {
		for _, s := range leaseStates {
			gauge(descLeases, float64(counts[s]), s)
		}
	} else {
		c.skip("lease counts", err)
	}
	if next, err := leasestore.NextExpiry(c.store); err == nil {
		overdue := 0.0
		if now := c.now(); !next.IsZero() && next.Before(now) {
			overdue = now.Sub(next).Seconds()
		}
		gauge(descOverdue, overdue)
	} else {
		c.skip("next expiry", err)
	}
	if counts, err := leasestore.ExpiringWithin(c.store, c.now(), expiryWindows); err == nil {
		for i, n := range counts {
			gauge(descExpiring, float64(n), expiryWindowNames[i])
		}
	} else {
		c.skip("leases expiring", err)
	}
	if jobs, err := c.reaperJobs(ctx); err == nil {
		gauge(descReaperJobs, float64(jobs))
	} else {
		c.skip("reaper queue", err)
	}
	src := transparency.NewSource(c.l.JetStream())
	switch m, err := src.Last(ctx, transparency.StreamName, transparency.SubjectCheckpoint); {
	case err == nil:
		gauge(descCheckpoint, time.Since(m.Stored).Seconds()) // the server's clock stamped it
	case errors.Is(err, transparency.ErrNotFound): // none signed yet: no age to report
	default:
		c.skip("checkpoint age", err)
	}
}

func (c *activeCollector) reaperJobs(ctx context.Context) (uint64, error) {
	st, err := c.l.JetStream().Stream(ctx, reaperStream)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// skip logs a metric a scrape could not read; the others are still
// reported (one failing look-up must not blank the whole page).
func (c *activeCollector) skip(what string, err error) {
	c.log.Debug("metrics: not reported", "metric", what, "err", err)
}
