package database

import (
	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// Backend is one database mount.
type Backend struct {
	e         *Engine
	mount     string // accessor: the key of everything the mount stores
	mountPath string
	runner    *cmddb.Runner
}

// config loads a configuration with its passwords.
func (b *Backend) config(name string) (*databasestore.Config, error) {
	bar, err := b.e.barrier()
	if err != nil {
		return nil, err
	}
	return databasestore.GetConfig(b.e.deps.Store, bar, b.mount, name)
}
