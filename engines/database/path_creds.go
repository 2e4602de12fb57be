package database

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// expirationSlack is added to the VALID UNTIL of a database user, as Vault
// does, so that the user outlives its lease by a little and the reaper,
// not PostgreSQL, ends it.
const expirationSlack = 5 * time.Second

func (b *Backend) credsPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "creds/" + framework.GenericNameRegex("name"),
		Fields:     nameField,
		Synopsis:   "Request database credentials for a certain role.",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.handleCreds},
	}}
}

func (b *Backend) handleCreds(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	ctx := req.Context()
	role, err := databasestore.GetRole(b.e.deps.Store, b.mount, name)
	if errors.Is(err, databasestore.ErrNotFound) {
		return nil, framework.BadRequest("unknown role: %s", name)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := b.config(role.DBName)
	if errors.Is(err, databasestore.ErrNotFound) {
		return nil, framework.BadRequest("failed to find entry for connection with name: %q", role.DBName)
	}
	if err != nil {
		return nil, err
	}
	if !cmddb.RoleAllowed(cfg.AllowedRoles, name) {
		return nil, framework.Errorf(http.StatusForbidden, "%q is not an allowed role", name)
	}
	ttl, maxTTL, warnings := cmddb.LeaseTTL(role.DefaultTTL, role.MaxTTL, req.MountConfig.DefaultLeaseTTL, req.MountConfig.MaxLeaseTTL)
	db, err := b.e.pools.get(ctx, b.mount, cfg)
	if err != nil {
		return nil, err
	}
	displayName, tokenAccessor := "token", ""
	if req.Auth != nil {
		tokenAccessor = req.Auth.Accessor
		if req.Auth.DisplayName != "" {
			displayName = req.Auth.DisplayName
		}
	}
	username, err := db.NewUsername(displayName, name, time.Now())
	if err != nil {
		return nil, err
	}
	password := postgres.NewPassword()
	rd, err := b.e.revokeData(b.mount, cfg, role, username)
	if err != nil {
		return nil, err
	}
	st, err := b.e.leases.Issue(ctx, framework.LeaseRequest{
		Engine: EngineName, MountAccessor: b.mount, MountPath: b.mountPath, Path: "creds/" + name,
		TokenAccessor: tokenAccessor, TTL: ttl, MaxTTL: maxTTL, Renewable: true, RevokeData: rd,
	}, func(ctx context.Context, expire time.Time) error {
		return createUser(ctx, db, role.Statements.Creation, postgres.Credentials{
			Username: username, Password: password, Expiration: expire.Add(expirationSlack),
		})
	})
	if err != nil {
		return nil, credsError(err)
	}
	return &framework.Response{
		Data:     map[string]any{"username": username, "password": password},
		Secret:   &framework.Secret{LeaseID: st.ID, LeaseDuration: ttl, Renewable: true},
		Warnings: warnings,
	}, nil
}

// createUser runs the creation statements and marks the failures after
// which the user certainly does not exist (the statements run in one
// transaction that was rolled back, or never started), so the lease is
// closed at once instead of handed to the reaper.
func createUser(ctx context.Context, db *postgres.DB, stmts []string, c postgres.Credentials) error {
	err := db.CreateUser(ctx, stmts, c)
	var se *postgres.StatementError
	if errors.As(err, &se) || errors.Is(err, postgres.ErrBadStatements) || errors.Is(err, postgres.ErrNoCreationStatements) ||
		errors.Is(err, postgres.ErrUnsafeUsername) || errors.Is(err, postgres.ErrUnsafePassword) || errors.Is(err, postgres.ErrClosed) {
		return fmt.Errorf("%w: %w", framework.ErrNotCreated, err)
	}
	return err
}

func credsError(err error) error {
	var se *postgres.StatementError
	switch {
	case errors.As(err, &se):
		return framework.BadRequest("creating the database user failed: %s", se.Error())
	case errors.Is(err, postgres.ErrConnect):
		return framework.Errorf(http.StatusInternalServerError, "creating the database user failed: %s", err.Error())
	}
	return err
}
