package database

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// RevokeData is what a database lease records to revoke (or renew) its
// user later from the lease alone, even after its role or configuration
// changed or was deleted. It travels inside the encrypted ledger event and
// is sealed again by the lease read model; the root password in it is
// additionally sealed by the barrier, so it is never plain even in a
// decoded event.
type RevokeData struct {
	DBName               string             `json:"db_name"`
	Role                 string             `json:"role"`
	Username             string             `json:"username"`
	RevocationStatements []string           `json:"revocation_statements,omitzero"`
	RollbackStatements   []string           `json:"rollback_statements,omitzero"`
	RenewStatements      []string           `json:"renew_statements,omitzero"`
	Connection           ConnectionSnapshot `json:"connection"`
}

// ConnectionSnapshot is the configuration a credential was issued through.
type ConnectionSnapshot struct {
	ConnectionURL          string `json:"connection_url"`
	Username               string `json:"username,omitzero"`
	PasswordSealed         []byte `json:"password_sealed,omitzero"`
	PasswordAuthentication string `json:"password_authentication,omitzero"`
}

// snapshotAAD binds a snapshot's sealed root password to the mount and
// configuration it was taken from.
func snapshotAAD(mount, dbName string) []byte {
	return []byte("coffer-database-lease-root\x00" + mount + "\x00" + dbName)
}

func (e *Engine) revokeData(mount string, cfg *databasestore.Config, role *databasestore.Role, username string) (RevokeData, error) {
	b, err := e.barrier()
	if err != nil {
		return RevokeData{}, err
	}
	rd := RevokeData{
		DBName: cfg.Name, Role: role.Name, Username: username,
		RevocationStatements: role.Statements.Revocation, RollbackStatements: role.Statements.Rollback,
		RenewStatements: role.Statements.Renew,
		Connection: ConnectionSnapshot{
			ConnectionURL: cfg.ConnectionURL, Username: cfg.Username, PasswordAuthentication: cfg.PasswordAuthentication,
		},
	}
	if cfg.Password != "" {
		rd.Connection.PasswordSealed = b.Seal(snapshotAAD(mount, cfg.Name), []byte(cfg.Password))
	}
	return rd, nil
}

func decodeRevokeData(st *leaseevent.State) (RevokeData, error) {
	var rd RevokeData
	if err := json.Unmarshal(st.RevokeData, &rd); err != nil || rd.Username == "" {
		return rd, fmt.Errorf("database: lease %s has no usable revoke data", st.ID)
	}
	return rd, nil
}

// current is the configuration and role of a lease as they are now, when
// they still exist (nil otherwise). A role is current only if it still
// uses the same configuration.
func (e *Engine) current(mount string, rd RevokeData) (*databasestore.Config, *databasestore.Role, error) {
	b, err := e.barrier()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := databasestore.GetConfig(e.deps.Store, b, mount, rd.DBName)
	switch {
	case errors.Is(err, databasestore.ErrNotFound):
		cfg = nil
	case err != nil:
		return nil, nil, err
	}
	role, err := databasestore.GetRole(e.deps.Store, mount, rd.Role)
	switch {
	case errors.Is(err, databasestore.ErrNotFound):
		role = nil
	case err != nil:
		return nil, nil, err
	case role.DBName != rd.DBName:
		role = nil
	}
	return cfg, role, nil
}

// withConnection runs op against the lease's database. When the current
// configuration of the same name still points where the lease's snapshot
// does (same URL and user), its pool is used: the root password may have
// been rotated since the lease was issued, and only the current record has
// the new one. Otherwise the snapshot is used (the user was created where
// it points), and the current configuration is the fallback should the
// snapshot not connect. Without a current configuration the snapshot is
// all there is.
func (e *Engine) withConnection(ctx context.Context, mount string, rd RevokeData, cfg *databasestore.Config, op func(*postgres.DB) error) error {
	switch {
	case cfg == nil:
		return e.withSnapshot(ctx, mount, rd, op)
	case sameConnection(cfg, rd.Connection):
		return e.withCurrent(ctx, mount, cfg, op)
	}
	err := e.withSnapshot(ctx, mount, rd, op)
	if err == nil || !errors.Is(err, postgres.ErrConnect) {
		return err
	}
	if cerr := e.withCurrent(ctx, mount, cfg, op); cerr == nil {
		return nil
	}
	return err
}

func (e *Engine) withCurrent(ctx context.Context, mount string, cfg *databasestore.Config, op func(*postgres.DB) error) error {
	db, err := e.pools.get(ctx, mount, cfg)
	if err != nil {
		return err
	}
	err = op(db)
	if errors.Is(err, postgres.ErrClosed) {
		// The pool was replaced under us (a config change): once more with
		// the pool of the newest version.
		if db, err = e.pools.get(ctx, mount, cfg); err == nil {
			err = op(db)
		}
	}
	return err
}

func (e *Engine) withSnapshot(ctx context.Context, mount string, rd RevokeData, op func(*postgres.DB) error) error {
	password, err := e.snapshotPassword(mount, rd)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, postgres.Config{
		ConnectionURL: rd.Connection.ConnectionURL, Username: rd.Connection.Username, Password: password,
		PasswordAuthentication: rd.Connection.PasswordAuthentication, MaxOpenConnections: 2,
	})
	if err != nil {
		return err
	}
	defer db.Close()
	return op(db)
}

func (e *Engine) snapshotPassword(mount string, rd RevokeData) (string, error) {
	if len(rd.Connection.PasswordSealed) == 0 {
		return "", nil
	}
	b, err := e.barrier()
	if err != nil {
		return "", err
	}
	pw, err := b.Open(snapshotAAD(mount, rd.DBName), rd.Connection.PasswordSealed)
	if err != nil {
		return "", fmt.Errorf("database: open the lease's connection snapshot: %w", err)
	}
	return string(pw), nil
}

// sameConnection reports whether a snapshot points where the current
// configuration does.
func sameConnection(cfg *databasestore.Config, snap ConnectionSnapshot) bool {
	return cfg.ConnectionURL == snap.ConnectionURL && cfg.Username == snap.Username
}

// Revoke implements lease.Revoker: it drops the lease's user with the
// role's current revocation statements when the role still exists (as
// Vault does, so that a fixed statement takes effect), else with those
// recorded at issue; a lease still pending (its issue never completed)
// is rolled back with the rollback statements. A user that does not exist
// counts as revoked.
func (e *Engine) Revoke(ctx context.Context, st *leaseevent.State) error {
	rd, err := decodeRevokeData(st)
	if err != nil {
		return err
	}
	cfg, role, err := e.current(st.MountAccessor, rd)
	if err != nil {
		return err
	}
	revocation, rollback := rd.RevocationStatements, rd.RollbackStatements
	if role != nil {
		revocation, rollback = role.Statements.Revocation, role.Statements.Rollback
	}
	return e.withConnection(ctx, st.MountAccessor, rd, cfg, func(db *postgres.DB) error {
		if st.State == leaseevent.StatePending {
			return db.Rollback(ctx, rollback, rd.Username)
		}
		return db.RevokeUser(ctx, revocation, rd.Username)
	})
}

// Renew implements lease.Revoker: it moves the user's VALID UNTIL to the
// lease's new expiry (plus slack) with the renew statements (the role's
// current ones when it still exists), or ALTER ROLE ... VALID UNTIL.
func (e *Engine) Renew(ctx context.Context, st *leaseevent.State, expire time.Time) error {
	rd, err := decodeRevokeData(st)
	if err != nil {
		return err
	}
	cfg, role, err := e.current(st.MountAccessor, rd)
	if err != nil {
		return err
	}
	renew := rd.RenewStatements
	if role != nil {
		renew = role.Statements.Renew
	}
	return e.withConnection(ctx, st.MountAccessor, rd, cfg, func(db *postgres.DB) error {
		return db.RenewUser(ctx, renew, rd.Username, expire.Add(expirationSlack))
	})
}
