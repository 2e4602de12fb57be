package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer/internal/testpg"
)

// The database scenarios run against a throw-away PostgreSQL cluster the
// load generator starts (internal/testpg) and mount "loadgen-db/" with the
// seed tutorial's connection and creation statements:
//
//	db-issue-revoke  read creds, then revoke the lease (sync): one op is a
//	                 CREATE ROLE + GRANTs and a full revocation
//	lease-expiry     issue -expiry-leases credentials with a TTL of
//	                 -expiry-ttl, then watch pg_roles: the "latency" of a
//	                 lease is how long after its expire_time its role was
//	                 actually dropped (p50/p99/max)
//
// lease-expiry's users get their privileges through a group role
// (IN ROLE) rather than the tutorial's GRANT ... ON ALL TABLES: each such
// GRANT adds an entry to the table's ACL in pg_class, which cannot be
// TOASTed, and PostgreSQL 15 refuses the grant ("row is too big", SQLSTATE
// 54000) at about 2,400 users holding grants on one table — a limit of
// PostgreSQL's, and of Vault's with the same statements.
const (
	dbMount       = "loadgen-db"
	dbIssueRole   = "issue"
	dbExpiryRole  = "expiry"
	dbPollEvery   = 25 * time.Millisecond
	dbExpiryGrace = 5 * time.Minute
	dbCreation    = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{{name}}";
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`
	dbGroup          = "loadgen_app"
	dbExpiryCreation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE ` + dbGroup + `;`
)

func init() {
	scenarios["db-issue-revoke"] = scenario{run: runIssueRevoke}
	scenarios["lease-expiry"] = scenario{run: runLeaseExpiry}
}

// database is the cluster the scenarios share, started on first use and
// destroyed by closeDatabase at exit; each server under load mounts and
// configures it once (configured, by server address).
var database struct {
	once       sync.Once
	pg         *testpg.Cluster
	err        error
	mu         sync.Mutex
	configured map[string]error
}

// ensureDatabase starts PostgreSQL (once) and configures the mount on c's
// server (once per server).
func ensureDatabase(ctx context.Context, c *vault.Client, expiryTTL time.Duration) (*testpg.Cluster, error) {
	database.once.Do(func() {
		fmt.Fprintln(os.Stderr, "starting a throw-away PostgreSQL cluster...")
		database.pg, database.err = testpg.Launch()
		if database.err == nil {
			database.err = createGroupRole(ctx, database.pg)
		}
	})
	if database.err != nil {
		return nil, database.err
	}
	database.mu.Lock()
	defer database.mu.Unlock()
	if database.configured == nil {
		database.configured = map[string]error{}
	}
	err, done := database.configured[c.Address()]
	if !done {
		err = configureDatabase(ctx, c, database.pg, expiryTTL)
		database.configured[c.Address()] = err
	}
	return database.pg, err
}

func createGroupRole(ctx context.Context, pg *testpg.Cluster) error {
	conn, err := pgx.Connect(ctx, pg.SuperURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE ROLE `+dbGroup+` NOLOGIN;
		GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO `+dbGroup+`;
		GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO `+dbGroup)
	return err
}

func configureDatabase(ctx context.Context, c *vault.Client, pg *testpg.Cluster, expiryTTL time.Duration) error {
	if err := c.Sys().MountWithContext(ctx, dbMount, &vault.MountInput{Type: "database"}); err != nil {
		return err
	}
	if _, err := c.Logical().WriteWithContext(ctx, dbMount+"/config/pg", map[string]any{
		"plugin_name": "postgresql-database-plugin", "allowed_roles": "*",
		"connection_url": pg.TemplateURL(), "username": testpg.SuperUser, "password": pg.SuperPassword,
	}); err != nil {
		return err
	}
	for _, r := range []struct {
		name, creation string
		ttl            time.Duration
	}{{dbIssueRole, dbCreation, time.Hour}, {dbExpiryRole, dbExpiryCreation, expiryTTL}} {
		if _, err := c.Logical().WriteWithContext(ctx, dbMount+"/roles/"+r.name, map[string]any{
			"db_name": "pg", "creation_statements": r.creation, "default_ttl": r.ttl.String(), "max_ttl": "24h",
		}); err != nil {
			return err
		}
	}
	return nil
}

// closeDatabase destroys the cluster, if one was started.
func closeDatabase() {
	if database.pg != nil {
		database.pg.Destroy()
	}
}

// runIssueRevoke starts PostgreSQL (once), then times dbIssueRevoke.
func runIssueRevoke(ctx context.Context, cfg config, addr string) (result, error) {
	workers, tr, err := newWorkers(cfg, addr)
	if err != nil {
		return result{}, err
	}
	_, err = ensureDatabase(ctx, workers[0].client, cfg.expiryTTL)
	tr.CloseIdleConnections()
	if err != nil {
		return result{}, err
	}
	return runLoop(ctx, cfg, addr, "db-issue-revoke", scenario{op: dbIssueRevoke})
}

func dbIssueRevoke(ctx context.Context, w *worker) error {
	s, err := w.client.Logical().ReadWithContext(ctx, dbMount+"/creds/"+dbIssueRole)
	if err != nil {
		return err
	}
	if s == nil || s.LeaseID == "" || s.Data["username"] == nil {
		return errors.New("creds returned no lease or username")
	}
	return w.client.Sys().RevokeWithContext(ctx, s.LeaseID)
}

// issued is one credential of the lease-expiry run.
type issued struct {
	username string
	expire   time.Time
}

// runLeaseExpiry issues cfg.expiryLeases credentials, then measures for
// each how long after its lease's expire_time its role left pg_roles.
func runLeaseExpiry(ctx context.Context, cfg config, addr string) (result, error) {
	r := result{name: "lease-expiry"}
	workers, tr, err := newWorkers(cfg, addr)
	if err != nil {
		return r, err
	}
	defer tr.CloseIdleConnections()
	pg, err := ensureDatabase(ctx, workers[0].client, cfg.expiryTTL)
	if err != nil {
		return r, err
	}
	conn, err := pgx.Connect(ctx, pg.SuperURL())
	if err != nil {
		return r, err
	}
	defer conn.Close(context.Background())

	// Issue, each worker its share, recording each lease's expire_time.
	var mu sync.Mutex
	var all []issued
	next := 0
	start := time.Now()
	each(workers, func(w *worker) {
		for ctx.Err() == nil {
			mu.Lock()
			if next >= cfg.expiryLeases {
				mu.Unlock()
				return
			}
			next++
			mu.Unlock()
			got, err := issueForExpiry(ctx, w.client)
			mu.Lock()
			if err != nil {
				r.addError("issue: " + describe(err))
			} else {
				all = append(all, got)
			}
			mu.Unlock()
		}
	})
	issuing := time.Since(start)
	fmt.Fprintf(os.Stderr, "lease-expiry: issued %d credentials in %s (%.0f/s); ttl %s\n",
		len(all), issuing.Round(time.Millisecond), float64(len(all))/issuing.Seconds(), cfg.expiryTTL)
	if len(all) > 0 && issuing > cfg.expiryTTL {
		fmt.Fprintln(os.Stderr, "lease-expiry: note: issuing took longer than the TTL, so expiries overlapped issuing")
	}

	// Watch pg_roles until every role is gone (or the grace runs out).
	outstanding := make(map[string]time.Time, len(all))
	var last time.Time
	for _, c := range all {
		outstanding[c.username] = c.expire
		if c.expire.After(last) {
			last = c.expire
		}
	}
	deadline := last.Add(dbExpiryGrace)
	for len(outstanding) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		present, err := presentRoles(ctx, conn, outstanding)
		seen := time.Now()
		if err != nil {
			return r, err
		}
		for u, exp := range outstanding {
			if present[u] {
				continue
			}
			delete(outstanding, u)
			if seen.Before(exp) {
				r.addError("role dropped before its lease expired")
				continue
			}
			r.latencies = append(r.latencies, seen.Sub(exp))
		}
		time.Sleep(dbPollEvery)
	}
	for range outstanding {
		r.addError(fmt.Sprintf("role still present %s after its lease expired", dbExpiryGrace))
	}
	r.elapsed = time.Since(start)
	slices.Sort(r.latencies)
	return r, nil
}

func issueForExpiry(ctx context.Context, c *vault.Client) (issued, error) {
	s, err := c.Logical().ReadWithContext(ctx, dbMount+"/creds/"+dbExpiryRole)
	if err != nil {
		return issued{}, err
	}
	u, _ := s.Data["username"].(string)
	look, err := c.Logical().WriteWithContext(ctx, "sys/leases/lookup", map[string]any{"lease_id": s.LeaseID})
	if err != nil {
		return issued{}, err
	}
	raw, _ := look.Data["expire_time"].(string)
	exp, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil || u == "" {
		return issued{}, fmt.Errorf("lookup gave expire_time %q, creds username %q", raw, u)
	}
	return issued{username: u, expire: exp}, nil
}

// presentRoles returns which of the outstanding usernames are in pg_roles.
func presentRoles(ctx context.Context, conn *pgx.Conn, outstanding map[string]time.Time) (map[string]bool, error) {
	names := make([]string, 0, len(outstanding))
	for u := range outstanding {
		names = append(names, u)
	}
	rows, err := conn.Query(ctx, "SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", names)
	if err != nil {
		return nil, err
	}
	present, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(present))
	for _, u := range present {
		out[u] = true
	}
	return out, nil
}
