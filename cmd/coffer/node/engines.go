package node

import (
	"maps"

	"github.com/cofferhq/coffer/engines/database"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/engines/transit"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/auditstore"
	"github.com/cofferhq/coffer/projections/databasestore"
	"github.com/cofferhq/coffer/projections/kvstore"
	"github.com/cofferhq/coffer/projections/leasestore"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
	"github.com/cofferhq/coffer/projections/tokenstore"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// readModels register every projection's apply functions. A new engine
// adds its read model here, and its factory below.
var readModels = []func(*projections.Projector){
	mountstore.Register,
	policystore.Register,
	tokenstore.Register,
	kvstore.Register,
	leasestore.Register,
	auditstore.Register,
	transitstore.Register,
	databasestore.Register,
}

// factories build secrets engines by mount type. "database" is bound to
// the unsealed node's database engine (its pools and the lease manager) by
// boundFactories; its entry here only makes the type known.
var factories = map[string]framework.Factory{
	"kv":       kv.Factory,
	"kv-v2":    kv.Factory,
	"transit":  transit.Factory,
	"database": nil,
}

// boundFactories are the factories of one activation: the stateless ones
// and those bound to the activation's engines.
func boundFactories(db *database.Engine) map[string]framework.Factory {
	out := maps.Clone(factories)
	out["database"] = db.Factory
	return out
}

// engineTypes lists the mount types sys/mounts accepts: those with an
// engine.
func engineTypes() []string {
	out := make([]string, 0, len(factories))
	for t := range factories {
		out = append(out, t)
	}
	return out
}
