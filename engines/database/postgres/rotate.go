package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// RotateRoot sets a new generated password for the connection's user and
// reconnects with it; afterwards only the caller (and Config) knows it.
// Without statements it runs ALTER ROLE "<username>" WITH PASSWORD '<new>'.
//
// A non-empty password comes back whenever the database accepted it, even
// with an error (the reconnect failed): the caller must then still persist
// it, or the root credential is lost.
func (db *DB) RotateRoot(ctx context.Context, statements []string) (string, error) {
	password := NewPassword()
	accepted, err := db.setRootPassword(ctx, statements, password)
	if !accepted {
		return "", err
	}
	return password, err
}

// SetRootPassword is RotateRoot with a password chosen by the caller, for a
// caller that records its intent (the sealed new password) before the
// change so that a crash in between cannot lose it.
func (db *DB) SetRootPassword(ctx context.Context, statements []string, password string) error {
	_, err := db.setRootPassword(ctx, statements, password)
	return err
}

// setRootPassword reports whether the database accepted the password, as
// the caller must keep it then, error or not.
func (db *DB) setRootPassword(ctx context.Context, statements []string, password string) (accepted bool, err error) {
	cfg := db.Config()
	if cfg.Username == "" {
		return false, ErrNoRootUsername
	}
	if err := checkPassword(password); err != nil {
		return false, err
	}
	literal, err := db.passwordForStatements(password)
	if err != nil {
		return false, err
	}
	var stmts []string
	if len(statements) > 0 {
		if strings.ContainsAny(cfg.Username, `"'\;`) {
			return false, fmt.Errorf("%w: the root username cannot be substituted into statements", ErrUnsafeUsername)
		}
		if stmts, err = prepare(statements, map[string]string{"username": cfg.Username, "name": cfg.Username, "password": literal}); err != nil {
			return false, err
		}
	}
	if len(stmts) == 0 {
		stmts = []string{fmt.Sprintf("ALTER ROLE %s WITH PASSWORD '%s'", pgx.Identifier{cfg.Username}.Sanitize(), literal)}
	}
	next := cfg
	next.Password = password
	pc, err := next.poolConfig()
	if err != nil {
		return false, err
	}
	secrets := redactor{}.with(password, literal)
	if err := db.runStatements(ctx, "rotate-root", stmts, secrets); err != nil {
		return false, err
	}

	// The database has the new password: from here on, only it works.
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		db.mu.Lock()
		db.cfg = next
		db.mu.Unlock()
		return true, fmt.Errorf("%w: rotate-root: reconnect: %s", ErrConnect, secrets.redact(err.Error()))
	}
	db.mu.Lock()
	old, closed := db.pool, db.closed
	db.pool, db.cfg = pool, next
	db.mu.Unlock()
	if closed {
		pool.Close()
		return true, ErrClosed
	}
	go old.Close() // waits for operations still using it

	if err := pool.Ping(ctx); err != nil {
		return true, classify(ctx, "rotate-root: reconnect", 0, err, next.redactor().with(literal))
	}
	return true, nil
}
