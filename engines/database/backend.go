package database

import (
	"errors"
	"net/http"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// Backend is one database mount.
type Backend struct {
	e         *Engine
	mount     string // accessor: the key of everything the mount stores
	mountPath string
	runner    *cmddb.Runner
}

// Paths implements framework.Backend.
func (b *Backend) Paths() []*framework.Path {
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{b.configPaths(), b.rotatePaths(), b.rolePaths(), b.credsPaths()} {
		paths = append(paths, family...)
	}
	return paths
}

// config loads a configuration with its passwords.
func (b *Backend) config(name string) (*databasestore.Config, error) {
	bar, err := b.e.barrier()
	if err != nil {
		return nil, err
	}
	return databasestore.GetConfig(b.e.deps.Store, bar, b.mount, name)
}

// commandError maps the commands' and the plugin's errors to Vault's
// statuses. Messages of the plugin hold no secret (it redacts them).
func commandError(err error) error {
	var inv *cmddb.InvalidError
	var stmt *postgres.StatementError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &inv):
		return framework.BadRequest("%s", inv.Msg)
	case errors.Is(err, cmddb.ErrRotationPending):
		return framework.Errorf(http.StatusConflict, "%s", err.Error())
	case errors.As(err, &stmt):
		return framework.BadRequest("%s", stmt.Error())
	case errors.Is(err, postgres.ErrBadConnectionURL), errors.Is(err, postgres.ErrBadPasswordAuthentication),
		errors.Is(err, postgres.ErrBadUsernameTemplate), errors.Is(err, postgres.ErrBadStatements),
		errors.Is(err, postgres.ErrNoCreationStatements), errors.Is(err, postgres.ErrUnsafeUsername),
		errors.Is(err, postgres.ErrNoRootUsername):
		return framework.BadRequest("%s", err.Error())
	case errors.Is(err, postgres.ErrConnect):
		return framework.Errorf(http.StatusInternalServerError, "%s", err.Error())
	}
	return err
}
