package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Credentials of a dynamic role.
type Credentials struct {
	Username string
	Password string
	// Expiration is rendered as {{expiration}} (VALID UNTIL); the zero time
	// renders as "infinity".
	Expiration time.Time
}

// CreateUser runs the creation statements for u in one transaction holding
// the role DDL lock: either the role exists with all its grants afterwards,
// or nothing was created. Concurrency failures (XX000 "tuple concurrently
// updated", 40P01 deadlocks) are retried.
//
// The statements are operator-supplied SQL, trusted as in Vault; what is
// substituted into them ({{name}}, {{username}}, {{password}},
// {{expiration}}) is checked to come from safe alphabets, so a generated
// value cannot break out of the quotes around it.
func (db *DB) CreateUser(ctx context.Context, statements []string, u Credentials) error {
	if err := checkUsername(u.Username); err != nil {
		return err
	}
	if err := checkPassword(u.Password); err != nil {
		return err
	}
	password, err := db.passwordForStatements(u.Password)
	if err != nil {
		return err
	}
	stmts, err := prepare(statements, map[string]string{
		"name":       u.Username,
		"username":   u.Username,
		"password":   password,
		"expiration": formatExpiration(u.Expiration),
	})
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return ErrNoCreationStatements
	}
	return db.runStatements(ctx, "create", stmts, redactor{}.with(u.Password, password))
}

// passwordForStatements is what {{password}} becomes: the password, or its
// SCRAM verifier with password_authentication = "scram-sha-256".
func (db *DB) passwordForStatements(password string) (string, error) {
	if db.Config().PasswordAuthentication == PasswordAuthSCRAM {
		return scramVerifier(password)
	}
	return password, nil
}

// RenewUser moves the role's expiration; without statements it runs
// ALTER ROLE "<name>" VALID UNTIL '<expiration>'. A missing role is
// ErrUserNotFound.
func (db *DB) RenewUser(ctx context.Context, statements []string, username string, expiration time.Time) error {
	if err := checkUsername(username); err != nil {
		return err
	}
	exp := formatExpiration(expiration)
	stmts, err := prepare(statements, map[string]string{"name": username, "username": username, "expiration": exp})
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		stmts = []string{fmt.Sprintf("ALTER ROLE %s VALID UNTIL '%s'", pgx.Identifier{username}.Sanitize(), exp)}
	}
	err = db.runStatements(ctx, "renew", stmts, nil)
	if err != nil && sqlStateOf(err) == sqlstateUndefinedObject {
		if exists, lookupErr := db.roleExists(ctx, username); lookupErr == nil && !exists {
			return fmt.Errorf("%w: %s", ErrUserNotFound, username)
		}
	}
	return err
}

// RevokeUser removes the role. With statements it runs them (in one locked
// transaction); without, the default revocation:
//
//  1. ALTER ROLE ... NOLOGIN, so no new session can start;
//  2. terminate the role's sessions;
//  3. in one locked transaction: REASSIGN OWNED BY the role TO the
//     connection's user (objects it created survive), DROP OWNED BY (its
//     privileges go), DROP ROLE IF EXISTS.
//
// When the connection's user may not reassign (a CREATEROLE non-superuser),
// step 3 falls back to Vault's default: revoke privileges on the public
// schema and on every schema the role holds grants in, revoke CONNECT, drop
// the role.
//
// A role that does not exist counts as revoked, so revocation is idempotent.
func (db *DB) RevokeUser(ctx context.Context, statements []string, username string) error {
	return db.revoke(ctx, "revoke", statements, username)
}

// Rollback undoes a role whose lease was never recorded (a crash between
// CreateUser and the lease.issued event): it runs the rollback statements,
// or the default revocation when there are none.
func (db *DB) Rollback(ctx context.Context, statements []string, username string) error {
	return db.revoke(ctx, "rollback", statements, username)
}

func (db *DB) revoke(ctx context.Context, op string, statements []string, username string) error {
	if err := checkUsername(username); err != nil {
		return err
	}
	stmts, err := prepare(statements, map[string]string{"name": username, "username": username})
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return db.defaultRevoke(ctx, op, username)
	}
	err = db.runStatements(ctx, op, stmts, nil)
	if err != nil && sqlStateOf(err) == sqlstateUndefinedObject {
		// Typically "role ... does not exist": revoked before.
		if exists, lookupErr := db.roleExists(ctx, username); lookupErr == nil && !exists {
			return nil
		}
	}
	return err
}

func (db *DB) defaultRevoke(ctx context.Context, op, username string) error {
	role := pgx.Identifier{username}.Sanitize()
	var gone bool
	err := db.withRetry(ctx, op, 0, nil, func(ctx context.Context, pool *pgxpool.Pool) error {
		_, err := pool.Exec(ctx, "ALTER ROLE "+role+" NOLOGIN")
		switch sqlState(err) {
		case "":
			return err
		case sqlstateUndefinedObject:
			gone = true
			return nil
		case sqlstateInsufficientPriv:
			return nil // e.g. a superuser role; the DROP below decides
		}
		return err
	})
	if err != nil || gone {
		return err
	}
	err = db.withRetry(ctx, op, 0, nil, func(ctx context.Context, pool *pgxpool.Pool) error {
		_, err := pool.Exec(ctx,
			"SELECT pg_terminate_backend(pid, 1000) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()",
			username)
		if sqlState(err) == sqlstateInsufficientPriv {
			return nil // without pg_signal_backend the sessions end with their NOLOGIN role's next login
		}
		return err
	})
	if err != nil {
		return err
	}
	err = db.withRetry(ctx, op, 0, nil, func(ctx context.Context, pool *pgxpool.Pool) error {
		return db.lockedTx(ctx, pool, func(tx pgx.Tx) error {
			return execAll(ctx, tx, []string{
				"REASSIGN OWNED BY " + role + " TO CURRENT_USER",
				"DROP OWNED BY " + role,
				"DROP ROLE IF EXISTS " + role,
			})
		})
	})
	if sqlStateOf(err) == sqlstateInsufficientPriv {
		err = db.withRetry(ctx, op, 0, nil, func(ctx context.Context, pool *pgxpool.Pool) error {
			return db.lockedTx(ctx, pool, func(tx pgx.Tx) error { return revokeAndDrop(ctx, tx, username) })
		})
	}
	return err
}

// revokeAndDrop is Vault's default revocation, for a connection user that
// may not REASSIGN/DROP OWNED: each REVOKE runs under a savepoint and may
// fail (as in Vault, which ignores those failures); only DROP ROLE must
// succeed.
func revokeAndDrop(ctx context.Context, tx pgx.Tx, username string) error {
	role := pgx.Identifier{username}.Sanitize()
	rows, err := tx.Query(ctx, `SELECT DISTINCT table_schema FROM information_schema.role_table_grants WHERE grantee = $1
		UNION SELECT 'public'`, username)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var database string
	if err := tx.QueryRow(ctx, "SELECT current_database()").Scan(&database); err != nil {
		return err
	}
	var revokes []string
	for _, s := range schemas {
		schema := pgx.Identifier{s}.Sanitize()
		revokes = append(revokes,
			"REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA "+schema+" FROM "+role,
			"REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA "+schema+" FROM "+role,
			"REVOKE ALL PRIVILEGES ON ALL FUNCTIONS IN SCHEMA "+schema+" FROM "+role,
			"REVOKE ALL PRIVILEGES ON SCHEMA "+schema+" FROM "+role,
		)
	}
	revokes = append(revokes, "REVOKE CONNECT ON DATABASE "+pgx.Identifier{database}.Sanitize()+" FROM "+role)
	for _, stmt := range revokes {
		if _, err := tx.Exec(ctx, "SAVEPOINT coffer_revoke"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT coffer_revoke"); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT coffer_revoke"); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, "DROP ROLE IF EXISTS "+role)
	return err
}

// sqlStateOf is the SQLSTATE of a classified error.
func sqlStateOf(err error) string {
	var se *StatementError
	if errors.As(err, &se) {
		return se.SQLState
	}
	return sqlState(err)
}
