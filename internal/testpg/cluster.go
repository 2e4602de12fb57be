package testpg

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// SuperUser is the cluster's bootstrap superuser, named as in the seed
	// tutorial's database/config example.
	SuperUser = "vault-root"
	// Database is the application database every cluster starts with.
	Database = "myapp"
	// Table is a table in Database's public schema, so that the tutorial's
	// "GRANT ... ON ALL TABLES IN SCHEMA public" has something to grant.
	Table = "items"

	readyTimeout = 60 * time.Second
)

// Cluster is a running (or stopped) throw-away PostgreSQL cluster.
type Cluster struct {
	// Port is the TCP port on 127.0.0.1; it stays the same across Stop/Start.
	Port int
	// SuperPassword is SuperUser's password for TCP (scram-sha-256) logins.
	SuperPassword string
	// Dir holds the data directory, the socket directory and the server log.
	Dir string

	binDir string
	owner  owner

	mu      sync.Mutex
	running bool
}

// Start initialises and starts a cluster of its own for t, torn down (server
// stopped, files removed) when t ends. Prefer Shared unless the test stops
// or otherwise disturbs the server.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, err := start()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(c.destroy)
	return c
}

// fail skips t when PostgreSQL is not installed, unless COFFER_REQUIRE_PG is
// set (as in CI), where a missing PostgreSQL is a failure.
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoPostgres) && os.Getenv("COFFER_REQUIRE_PG") == "" {
		t.Skipf("%v (set COFFER_REQUIRE_PG=1 to make this a failure)", err)
	}
	t.Fatal(err)
}

func start() (*Cluster, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	own, err := lookupOwner()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoPostgres, err)
	}
	sweepOrphans(binDir, own)
	dir, err := os.MkdirTemp(tempRoot(own), clusterDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("testpg: %w", err)
	}
	c := &Cluster{Dir: dir, binDir: binDir, owner: own, SuperPassword: randomPassword()}
	if err := c.init(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := c.firstStart(); err != nil {
		c.destroy()
		return nil, err
	}
	if err := c.createAppDatabase(); err != nil {
		c.destroy()
		return nil, err
	}
	return c, nil
}

// tempRoot is the directory clusters are created in. As root, the postgres
// user must be able to traverse every parent of the cluster directory, which
// a private TMPDIR may forbid; /tmp always allows it.
func tempRoot(own owner) string {
	root := os.TempDir()
	if own.cred == nil {
		return root
	}
	for p := root; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if p == filepath.Dir(p) {
			return root
		}
	}
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }
func (c *Cluster) sockDir() string { return filepath.Join(c.Dir, "sock") }
func (c *Cluster) logFile() string { return filepath.Join(c.Dir, "postgres.log") }

func (c *Cluster) bin(name string) string { return filepath.Join(c.binDir, name) }

// init runs initdb and writes the server settings.
func (c *Cluster) init() error {
	if err := os.WriteFile(filepath.Join(c.Dir, ownerPIDFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	if err := os.Chmod(c.Dir, 0o755); err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	if err := os.Mkdir(c.sockDir(), 0o755); err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	pwFile := filepath.Join(c.Dir, "pwfile")
	if err := os.WriteFile(pwFile, []byte(c.SuperPassword+"\n"), 0o600); err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	defer os.Remove(pwFile)
	for _, p := range []string{c.Dir, c.sockDir(), pwFile} {
		if err := c.owner.chown(p); err != nil {
			return fmt.Errorf("testpg: chown %s: %w", p, err)
		}
	}
	out, err := c.owner.command(c.Dir, c.bin("initdb"),
		"-D", c.dataDir(),
		"-U", SuperUser,
		"--pwfile="+pwFile,
		"--auth-local=trust",
		"--auth-host=scram-sha-256",
		"-E", "UTF8", "--locale=C",
		"--no-sync",
	).CombinedOutput()
	if err != nil {
		return fmt.Errorf("testpg: initdb: %w\n%s", err, out)
	}
	settings := fmt.Sprintf(`
# testpg: a throw-away cluster for tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '%s'
password_encryption = 'scram-sha-256'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_connections = off
`, c.sockDir())
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(settings); err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	return nil
}

// firstStart picks a free port and starts the server, picking another port
// if someone else took it between the probe and the bind.
func (c *Cluster) firstStart() error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if c.Port, err = freePort(); err != nil {
			return err
		}
		if err = c.Start(); err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "could not bind") && !strings.Contains(err.Error(), "already in use") {
			return err
		}
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testpg: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts a stopped cluster on its port and waits until it accepts
// connections; it is a no-op when the cluster is running.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return nil
	}
	out, err := c.owner.command(c.Dir, c.bin("pg_ctl"),
		"-D", c.dataDir(), "-l", c.logFile(),
		"-o", fmt.Sprintf("-p %d", c.Port),
		"-w", "-t", strconv.Itoa(int(readyTimeout.Seconds())),
		"start",
	).CombinedOutput()
	if err != nil {
		return fmt.Errorf("testpg: pg_ctl start: %w\n%s\n%s", err, out, c.logTail())
	}
	c.running = true
	return c.waitReady()
}

// waitReady polls until the superuser can log in over TCP.
func (c *Cluster) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.URL(SuperUser, c.SuperPassword, "postgres"))
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testpg: server not ready after %s: %w\n%s", readyTimeout, err, c.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down (fast mode: sessions are terminated); the data
// survives for a later Start. Stopping a stopped cluster is a no-op.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	out, err := c.owner.command(c.Dir, c.bin("pg_ctl"),
		"-D", c.dataDir(), "-m", "fast", "-w", "-t", "60", "stop",
	).CombinedOutput()
	if err != nil {
		return fmt.Errorf("testpg: pg_ctl stop: %w\n%s", err, out)
	}
	c.running = false
	return nil
}

// destroy stops the server and removes its files.
func (c *Cluster) destroy() {
	_ = c.Stop()
	_ = os.RemoveAll(c.Dir)
}

func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil {
		return ""
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return "server log (tail):\n" + string(b)
}

// createAppDatabase creates Database with Table (and its sequence) in the
// public schema, owned by the superuser.
func (c *Cluster) createAppDatabase() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL(SuperUser, c.SuperPassword, "postgres"))
	if err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{Database}.Sanitize())
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("testpg: create database: %w", err)
	}
	conn, err = pgx.Connect(ctx, c.SuperURL())
	if err != nil {
		return fmt.Errorf("testpg: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE public.%s (id serial PRIMARY KEY, name text NOT NULL);
		INSERT INTO public.%[1]s (name) VALUES ('alpha'), ('beta')`, Table))
	if err != nil {
		return fmt.Errorf("testpg: create table: %w", err)
	}
	return nil
}

// URL is a connection URL for user on 127.0.0.1 (TCP, so password
// authentication applies) to database db.
func (c *Cluster) URL(user, password, db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// SuperURL connects as SuperUser to Database.
func (c *Cluster) SuperURL() string { return c.URL(SuperUser, c.SuperPassword, Database) }

// TemplateURL is SuperURL in the form the database engine's connection_url
// takes: "{{username}}" and "{{password}}" in place of the credentials.
func (c *Cluster) TemplateURL() string {
	return fmt.Sprintf("postgresql://{{username}}:{{password}}@127.0.0.1:%d/%s?sslmode=disable", c.Port, Database)
}

// Connect logs in as user over TCP to db.
func (c *Cluster) Connect(ctx context.Context, user, password, db string) (*pgx.Conn, error) {
	return pgx.Connect(ctx, c.URL(user, password, db))
}

// Admin is a superuser connection to Database, closed when t ends.
func (c *Cluster) Admin(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.SuperURL())
	if err != nil {
		t.Fatalf("testpg: admin connection: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// RoleExists reports whether a role named name is in pg_roles.
func (c *Cluster) RoleExists(t testing.TB, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.SuperURL())
	if err != nil {
		t.Fatalf("testpg: admin connection: %v", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", name).Scan(&exists); err != nil {
		t.Fatalf("testpg: query pg_roles: %v", err)
	}
	return exists
}

// randomPassword is 24 characters from [A-Za-z0-9].
func randomPassword() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
