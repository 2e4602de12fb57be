package database

import (
	"context"
	"sync"
	"time"

	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// probeTimeout bounds the ping that decides between a configuration's
// current and pending root password.
const probeTimeout = 10 * time.Second

type poolKey struct{ mount, name string }

type pooled struct {
	version uint64
	db      *postgres.DB
}

// pools holds one connection pool per configuration, tagged with the
// configuration version it was opened for; a newer version (a write, a
// root rotation) replaces it and the old pool is closed once its
// connections are released.
type pools struct {
	mu     sync.Mutex
	m      map[poolKey]*pooled
	closed bool
}

func newPools() *pools { return &pools{m: map[poolKey]*pooled{}} }

// get returns the pool for cfg, opening it if there is none for cfg's
// version.
func (p *pools) get(ctx context.Context, mount string, cfg *databasestore.Config) (*postgres.DB, error) {
	key := poolKey{mount, cfg.Name}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, postgres.ErrClosed
	}
	cur := p.m[key]
	if cur != nil && cur.version >= cfg.Version {
		return cur.db, nil
	}
	// Opening does not connect (except to probe a pending password), so
	// holding the lock keeps concurrent first requests from opening a pool
	// each at little cost.
	db, err := openConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		go cur.db.Close()
	}
	p.m[key] = &pooled{version: cfg.Version, db: db}
	return db, nil
}

// evict closes a configuration's pool (deleted, or reset).
func (p *pools) evict(mount, name string) {
	p.mu.Lock()
	cur := p.m[poolKey{mount, name}]
	delete(p.m, poolKey{mount, name})
	p.mu.Unlock()
	if cur != nil {
		go cur.db.Close()
	}
}

// close closes every pool, waiting for connections in use.
func (p *pools) close() {
	p.mu.Lock()
	all := p.m
	p.m, p.closed = map[poolKey]*pooled{}, true
	p.mu.Unlock()
	for _, c := range all {
		c.db.Close()
	}
}

// pgConfig is the plugin's configuration for settings and a root password.
// max_idle_connections and max_connection_lifetime are recorded and read
// back but the pool ignores them: pgxpool keeps no idle minimum here and
// recycles connections on its own.
func pgConfig(s databaseevent.ConnectionSettings, password string) postgres.Config {
	return postgres.Config{
		ConnectionURL: s.ConnectionURL, Username: s.Username, Password: password,
		MaxOpenConnections: s.MaxOpenConnections, PasswordAuthentication: s.PasswordAuthentication,
		UsernameTemplate: s.UsernameTemplate,
	}
}

// openConfig opens a pool for cfg. With a rotation of unknown outcome on
// the record it connects with the current password and, if that fails,
// with the pending one.
func openConfig(ctx context.Context, cfg *databasestore.Config) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, pgConfig(cfg.ConnectionSettings, cfg.Password))
	if err != nil || cfg.PendingPassword == "" {
		return db, err
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if db.VerifyConnection(pctx) == nil {
		return db, nil
	}
	alt, err := postgres.Open(ctx, pgConfig(cfg.ConnectionSettings, cfg.PendingPassword))
	if err == nil && alt.VerifyConnection(pctx) == nil {
		db.Close()
		return alt, nil
	}
	if alt != nil {
		alt.Close()
	}
	return db, nil
}
