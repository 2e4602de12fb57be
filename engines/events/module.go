package events

import (
	"path/filepath"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections"
)

// Module is the events service: sys/events/subscribe (SSE and WebSocket),
// sys/ledger/replay and sys/ledger/state-at. It publishes what every
// module's Events map makes of the ledger, and answers state-at with every
// module's StateAt queries over a scratch projection built with every
// module's read models.
var Module = framework.Module{
	Type:        "events",
	Kind:        framework.SysService,
	Description: "event subscriptions, ledger replay and point-in-time state",
	Start: func(env *framework.Env) (*framework.Instance, error) {
		opts := Options{Deps: env.Deps, ScratchDir: filepath.Join(env.DataDir, "scratch")}
		if env.Policies != nil {
			opts.ACL = env.Policies.ACL
		}
		if env.Tokens != nil {
			opts.Resolve = env.Tokens.Resolve
		}
		for _, m := range env.Modules {
			for _, rm := range m.ReadModels {
				opts.ReadModels = append(opts.ReadModels, rm.Register)
			}
			opts.Maps = append(opts.Maps, m.Events...)
			opts.StateQueries = append(opts.StateQueries, m.StateAt...)
		}
		hub := NewHub(opts)
		return &framework.Instance{
			Sys:       hub.sysPaths(),
			Observers: []projections.Observer{hub.Observer()},
			Drain:     hub.Close,
			Stop:      hub.Close,
		}, nil
	},
}
