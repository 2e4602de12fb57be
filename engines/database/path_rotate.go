package database

import (
	"context"
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/databasestore"
)

func (b *Backend) rotatePaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "rotate-root/" + framework.GenericNameRegex("name"),
		Fields:     nameField,
		Synopsis:   "Request to rotate the root credentials for a certain database connection.",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleRotateRoot},
	}}
}

// handleRotateRoot gives the configuration's root user a new generated
// password: recorded as pending first, then set in the database, then
// recorded as done (see the package doc).
func (b *Backend) handleRotateRoot(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	ctx := req.Context()
	mu := b.e.rotationLock(b.mount, name)
	mu.Lock()
	defer mu.Unlock()

	cfg, err := b.config(name)
	if errors.Is(err, databasestore.ErrNotFound) {
		return nil, framework.BadRequest("failed to find entry for connection with name: %q", name)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" {
		return nil, framework.BadRequest("unable to rotate root credentials: no username in configuration")
	}
	if cfg.PendingPassword != "" {
		if cfg, err = b.settleRotation(ctx, cfg); err != nil {
			return nil, err
		}
	}
	if err := checkSyntax(cfg.RootRotationStatements); err != nil {
		return nil, framework.BadRequest("root_rotation_statements: %v", err)
	}
	// A pool of its own, on the password in force now: the shared pool is
	// replaced as soon as the rotation's events change the version.
	db, err := postgres.Open(ctx, pgConfig(cfg.ConnectionSettings, cfg.Password))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.VerifyConnection(ctx); err != nil {
		return nil, framework.Errorf(http.StatusInternalServerError, "unable to rotate root credentials: %v", err)
	}

	password := postgres.NewPassword()
	if err := b.runner.StartRotation(ctx, name, password); err != nil {
		return nil, err
	}
	// Detached from the request: once the database may have the new
	// password, its outcome must be recorded even if the client went away.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout*2)
	defer cancel()
	err = db.SetRootPassword(rctx, cfg.RootRotationStatements, password)
	switch {
	case err == nil:
		if err := b.runner.FinishRotation(rctx, name); err != nil {
			return nil, err
		}
		b.e.log.Info("database root credentials rotated", "mount", b.mount, "connection", name)
		return nil, nil
	case refused(err):
		if aerr := b.runner.AbandonRotation(rctx, name, err.Error()); aerr != nil {
			b.e.log.Warn("recording a refused root rotation", "connection", name, "err", aerr)
		}
		return nil, framework.Errorf(http.StatusBadRequest, "unable to rotate root credentials: %v", err)
	default:
		// Unknown outcome: the pending password stays on the record, pools
		// try it after the current one, and the next rotate-root settles.
		return nil, framework.Errorf(http.StatusInternalServerError, "unable to rotate root credentials (the outcome is unknown and will be settled by the next rotate-root): %v", err)
	}
}

// refused reports errors after which the database certainly still has the
// old password: it rejected a statement (the transaction rolled back), or
// nothing was sent.
func refused(err error) bool {
	var se *postgres.StatementError
	return errors.As(err, &se) || errors.Is(err, postgres.ErrBadStatements) || errors.Is(err, postgres.ErrUnsafeUsername) ||
		errors.Is(err, postgres.ErrUnsafePassword) || errors.Is(err, postgres.ErrNoRootUsername)
}

// settleRotation decides an interrupted rotation by asking the database
// which password it takes: the pending one (record the rotation done) or
// the current one (record it abandoned).
func (b *Backend) settleRotation(ctx context.Context, cfg *databasestore.Config) (*databasestore.Config, error) {
	works := func(password string) bool {
		db, err := postgres.Open(ctx, pgConfig(cfg.ConnectionSettings, password))
		if err != nil {
			return false
		}
		defer db.Close()
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		return db.VerifyConnection(pctx) == nil
	}
	var err error
	switch {
	case works(cfg.PendingPassword):
		err = b.runner.FinishRotation(ctx, cfg.Name)
	case works(cfg.Password):
		err = b.runner.AbandonRotation(ctx, cfg.Name, "interrupted before the database took the new password")
	default:
		return nil, framework.Errorf(http.StatusInternalServerError, "unable to rotate root credentials: an earlier rotation is unsettled and the database accepts neither password")
	}
	if err != nil {
		return nil, err
	}
	return b.config(cfg.Name)
}
