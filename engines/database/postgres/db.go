package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a pool of connections to one configured database, through which
// roles are created, renewed, revoked, and the root password rotated.
type DB struct {
	mu        sync.RWMutex
	cfg       Config
	pool      *pgxpool.Pool
	usernames *UsernameTemplate // nil: NewUsername
	closed    bool

	// ddl queues this process's role DDL before it takes a connection, so
	// that waiting happens here instead of in PostgreSQL backends parked on
	// the advisory lock (which still serialises DDL across nodes).
	ddl chan struct{}
}

// Open checks cfg and prepares a pool; it does not connect (see
// VerifyConnection), as Vault's verify_connection=false allows configuring
// a database that is not reachable yet.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	db := &DB{cfg: cfg, ddl: make(chan struct{}, 1)}
	if cfg.UsernameTemplate != "" {
		if db.usernames, err = ParseUsernameTemplate(cfg.UsernameTemplate); err != nil {
			return nil, err
		}
	}
	pc, err := cfg.poolConfig()
	if err != nil {
		return nil, err
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrConnect, cfg.redactor().redact(err.Error()))
	}
	return db, nil
}

// VerifyConnection connects and pings the database.
func (db *DB) VerifyConnection(ctx context.Context) error {
	pool, r, err := db.current()
	if err != nil {
		return err
	}
	if err := pool.Ping(ctx); err != nil {
		return classify(ctx, "verify connection", 0, err, r)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be released.
func (db *DB) Close() {
	db.mu.Lock()
	pool := db.pool
	already := db.closed
	db.closed = true
	db.mu.Unlock()
	if !already {
		pool.Close()
	}
}

// Config is the configuration in force, including the root password after
// a rotation (the caller persists it, sealed).
func (db *DB) Config() Config {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.cfg
}

// NewUsername generates a username with the configured username template,
// or Vault's default format (the package's NewUsername) without one.
func (db *DB) NewUsername(displayName, roleName string, now time.Time) (string, error) {
	db.mu.RLock()
	tmpl := db.usernames
	db.mu.RUnlock()
	if tmpl == nil {
		return NewUsername(displayName, roleName, now), nil
	}
	return tmpl.Generate(displayName, roleName, now)
}

// current is the pool in use and the redactor for its root password.
func (db *DB) current() (*pgxpool.Pool, redactor, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return nil, nil, ErrClosed
	}
	return db.pool, db.cfg.redactor(), nil
}

const (
	// roleDDLLock is the advisory lock key that serialises role DDL on a
	// database. Concurrent GRANT ... ON ALL TABLES from several sessions
	// fails with "tuple concurrently updated" (XX000) or deadlocks;
	// measured with the tutorial's statements, 8 connections managed ~10
	// create+grant+drop cycles/s with most attempts failing, the same
	// serialised by this lock ~127/s. Advisory locks are per database, like
	// the catalog rows the GRANTs update. The value spells "coffer".
	roleDDLLock int64 = 0x636f66666572

	maxAttempts  = 5
	firstBackoff = 20 * time.Millisecond
)

// withRetry runs attempt until it succeeds, fails for good, or maxAttempts
// is reached, backing off exponentially between attempts. Each attempt gets
// the pool in use at that moment (a root rotation may have replaced it).
func (db *DB) withRetry(ctx context.Context, op string, count int, extra redactor, attempt func(context.Context, *pgxpool.Pool) error) error {
	backoff := firstBackoff
	for n := 1; ; n++ {
		pool, r, err := db.current()
		if err != nil {
			return err
		}
		r = r.with(extra...)
		err = attempt(ctx, pool)
		if err == nil {
			return nil
		}
		if n == maxAttempts || !retryable(err) || ctx.Err() != nil {
			return classify(ctx, op, count, err, r)
		}
		select {
		case <-ctx.Done():
			return classify(ctx, op, count, ctx.Err(), r)
		case <-time.After(backoff + time.Duration(randomInt(int(backoff)))):
		}
		backoff *= 2
	}
}

// lockedTx runs fn in a transaction holding the role DDL lock.
func (db *DB) lockedTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	select {
	case db.ddl <- struct{}{}:
		defer func() { <-db.ddl }()
	case <-ctx.Done():
		return ctx.Err()
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", roleDDLLock); err != nil {
			return err
		}
		return fn(tx)
	})
}

// execAll runs statements in order, remembering which one failed.
func execAll(ctx context.Context, tx pgx.Tx, statements []string) error {
	for i, stmt := range statements {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return &stepError{index: i + 1, err: err}
		}
	}
	return nil
}

// runStatements executes statements in one locked transaction, with retries.
func (db *DB) runStatements(ctx context.Context, op string, statements []string, secrets redactor) error {
	return db.withRetry(ctx, op, len(statements), secrets, func(ctx context.Context, pool *pgxpool.Pool) error {
		return db.lockedTx(ctx, pool, func(tx pgx.Tx) error { return execAll(ctx, tx, statements) })
	})
}

// roleExists reports whether name is in pg_roles.
func (db *DB) roleExists(ctx context.Context, name string) (bool, error) {
	var exists bool
	err := db.withRetry(ctx, "look up role", 0, nil, func(ctx context.Context, pool *pgxpool.Pool) error {
		return pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", name).Scan(&exists)
	})
	return exists, err
}
