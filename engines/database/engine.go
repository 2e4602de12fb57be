package database

import (
	"encoding/json"
	"log/slog"
	"sync"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// EngineName is the engine's name on its leases (the Revoker it
// registers) and its mount type.
const EngineName = "database"

// Module is the database secrets engine: dynamic PostgreSQL credentials on
// leases. Its node-wide part (connection pools shared by the mounts, the
// lease Revoker) lives as long as the node is unsealed.
var Module = framework.Module{
	Type:        EngineName,
	Kind:        framework.SecretEngine,
	Description: "dynamic PostgreSQL credentials on leases",
	ReadModels: []framework.ReadModel{{
		Name: "databasestore", Prefixes: []string{"database/"}, Register: databasestore.Register,
	}},
	Events: []framework.EventMap{eventMap},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		e := New(env.Deps, env.Leases)
		return &framework.Instance{
			Factory:   e.Factory,
			Revoker:   e,
			Observers: []projections.Observer{e.observe},
			Stop:      e.Close,
		}, nil
	},
}

// Engine is the database engine of one unsealed node: connection pools
// shared by its mounts, and the Revoker of the leases they issue.
type Engine struct {
	deps   framework.Deps
	leases framework.Leases
	pools  *pools
	log    *slog.Logger

	// rotating serialises root rotations per configuration on this node.
	rotMu    sync.Mutex
	rotating map[poolKey]*sync.Mutex
}

// New builds the engine. The node registers it as the Revoker of
// EngineName leases before the lease manager starts, so that no
// revocation finds the engine missing, and its observe with the
// projector.
func New(deps framework.Deps, leases framework.Leases) *Engine {
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	return &Engine{deps: deps, leases: leases, pools: newPools(), log: log, rotating: map[poolKey]*sync.Mutex{}}
}

// Close closes every connection pool.
func (e *Engine) Close() { e.pools.close() }

// Factory builds the backend of one database mount.
func (e *Engine) Factory(mount framework.MountInfo) (*framework.Backend, error) {
	b := &Backend{
		e: e, mount: mount.Accessor, mountPath: mount.Path,
		runner: &cmddb.Runner{Bus: e.deps.Bus, Mount: mount.Accessor},
	}
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{b.configPaths(), b.rotatePaths(), b.rolePaths(), b.credsPaths()} {
		paths = append(paths, family...)
	}
	return &framework.Backend{Paths: paths, Help: "The database backend supports using many different databases as secret backends, including but not limited to: cassandra, mssql, mysql, postgres. Coffer has the PostgreSQL plugin built in."}, nil
}

// observe closes the pool of a deleted configuration as soon as the
// deletion is applied (a changed one is reopened lazily, by version).
func (e *Engine) observe(recs []ledger.Record) {
	for _, r := range recs {
		if r.Type != databaseevent.EventConfigDeleted {
			continue
		}
		var d databaseevent.ConfigDeleted
		if json.Unmarshal(r.Data, &d) == nil {
			e.pools.evict(d.Mount, d.Name)
		}
	}
}

func (e *Engine) rotationLock(mount, name string) *sync.Mutex {
	e.rotMu.Lock()
	defer e.rotMu.Unlock()
	k := poolKey{mount, name}
	mu := e.rotating[k]
	if mu == nil {
		mu = &sync.Mutex{}
		e.rotating[k] = mu
	}
	return mu
}

func (e *Engine) barrier() (*ledger.Barrier, error) {
	b := e.deps.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	return b, nil
}
