package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// leaseMetrics are fed by an observer of committed lease events; they
// live with the registry, so a seal does not reset them.
type leaseMetrics struct {
	failures  prometheus.Counter
	expiryLag prometheus.Histogram
}

func newLeaseMetrics() *leaseMetrics {
	return &leaseMetrics{
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coffer_lease_revocation_failures_total",
			Help: "Failed revocation attempts (lease.revocation_failed events) this node applied.",
		}),
		expiryLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "coffer_lease_expiry_lag_seconds",
			Help:    "Time from a lease's expiry to its recorded revocation (leases revoked after they expired).",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}),
	}
}

// observer reads the revocations' expiry lag from the lease projection,
// which holds the lease's expiry: observers run after the message's batch
// is committed. On a rebuild it sees the whole history again.
func (m *leaseMetrics) observer(env *framework.Env) projections.Observer {
	return func(recs []ledger.Record) {
		for i := range recs {
			switch recs[i].Type {
			case leaseevent.EventRevocationFailed:
				m.failures.Inc()
			case leaseevent.EventRevoked:
				st, err := leasestore.Get(env.Store, env.Ledger.Barrier(), recs[i].Aggregate)
				if err != nil || st.RevokedAt.IsZero() || st.ExpireAt.IsZero() || st.RevokedAt.Before(st.ExpireAt) {
					continue // revoked before it expired, or gone
				}
				m.expiryLag.Observe(st.RevokedAt.Sub(st.ExpireAt).Seconds())
			}
		}
	}
}
