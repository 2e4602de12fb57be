package cubbyhole

import (
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
)

// Module is the cubbyhole engine at cubbyhole/ and the sys/wrapping paths.
var Module = framework.Module{
	Type:            "cubbyhole",
	Kind:            framework.SecretEngine,
	Builtin:         "cubbyhole/",
	BuiltinAccessor: "cubbyhole_builtin",
	Description:     "per-token private secret storage",
	ReadModels: []framework.ReadModel{
		{Name: "cubbyholestore", Prefixes: []string{cubbyholestore.Prefix}, Register: cubbyholestore.Register},
	},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		sw := newSweeper(env)
		return &framework.Instance{
			Factory: func(framework.MountInfo) (*framework.Backend, error) {
				return newBackend(env.Deps), nil
			},
			Sys:       wrappingBackend(env.Deps),
			Services:  []framework.Service{{Name: "cubbyhole sweeper", Singleton: true, Run: sw.run}},
			Observers: []projections.Observer{sw.observe},
		}, nil
	},
}

// observe wakes the sweeper when a committed message revoked a token.
func (s *sweeper) observe(recs []ledger.Record) {
	for _, r := range recs {
		if r.Type == tokenevent.EventRevoked {
			select {
			case s.wake <- struct{}{}:
			default:
			}
			return
		}
	}
}
