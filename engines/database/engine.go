package database

import (
	"encoding/json"
	"log/slog"
	"sync"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/engines/framework"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// EngineName is the engine's name on its leases (the Revoker it
// registers) and its mount type.
const EngineName = "database"

// Engine is the database engine of one unsealed node: connection pools
// shared by its mounts, and the Revoker of the leases they issue.
type Engine struct {
	deps   framework.Deps
	leases *leaseeng.Manager
	pools  *pools
	log    *slog.Logger

	// rotating serialises root rotations per configuration on this node.
	rotMu    sync.Mutex
	rotating map[poolKey]*sync.Mutex
}

// New builds the engine. Register it with the lease manager
// (RegisterRevoker(EngineName, e)) before the manager starts, so that no
// revocation finds the engine missing.
func New(deps framework.Deps, leases *leaseeng.Manager) *Engine {
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{deps: deps, leases: leases, pools: newPools(), log: log, rotating: map[poolKey]*sync.Mutex{}}
	if deps.Projector != nil {
		deps.Projector.Observe(e.observe)
	}
	return e
}

// Close closes every connection pool.
func (e *Engine) Close() { e.pools.close() }

// Factory builds the backend of one database mount.
func (e *Engine) Factory(deps framework.Deps, mount framework.MountInfo) (framework.Backend, error) {
	return &Backend{
		e: e, mount: mount.Accessor, mountPath: mount.Path,
		runner: &cmddb.Runner{Bus: deps.Bus, Mount: mount.Accessor},
	}, nil
}

// observe closes the pool of a deleted configuration as soon as the
// deletion is applied (a changed one is reopened lazily, by version).
func (e *Engine) observe(recs []ledger.Record) {
	for _, r := range recs {
		if r.Type != databasestore.EventConfigDeleted {
			continue
		}
		var d databasestore.ConfigDeleted
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
