package metrics

import (
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections"
)

// Module is the metrics and profiling sys service over the node's
// registry: sys/metrics, sys/pprof/..., the collectors that read the
// projections while the node is unsealed, and the lease observer.
func Module(r *Registry) framework.Module {
	return framework.Module{
		Type:        "metrics",
		Kind:        framework.SysService,
		Description: "Prometheus metrics (sys/metrics) and Go profiles (sys/pprof)",
		Start: func(env *framework.Env) (*framework.Instance, error) {
			ac := &activeCollector{store: env.Store, l: env.Ledger, now: env.Clock(), log: env.Log}
			unregister, err := r.register(ac)
			if err != nil {
				return nil, err
			}
			return &framework.Instance{
				Sys:       framework.Merge(r.metricsPaths(), pprofPaths(), r.debugPaths()),
				Observers: []projections.Observer{r.leases.observer(env)},
				Stop: func() {
					unregister()
					ac.close()
				},
			}, nil
		},
	}
}
