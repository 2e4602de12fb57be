package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cmddb "github.com/cofferhq/coffer/commands/database"
	leaseeng "github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/projections/databasestore"
	"github.com/cofferhq/coffer/projections/leasestore"
	"github.com/cofferhq/coffer/scenarios/harness"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// The seed tutorial's creation statements, verbatim.
const tutorialCreation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{{name}}";
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`

// fastLeases shortens the lease loops so that expiry and retries happen
// within a test's patience.
var fastLeases = leaseeng.Options{
	ScanInterval: 50 * time.Millisecond, BackoffBase: 100 * time.Millisecond,
	BackoffMax: 400 * time.Millisecond, IrrevocableAt: 3, RevokeTimeout: 5 * time.Second,
}

// startLeaseNode is startNode with lease options.
func startLeaseNode(t testing.TB, dir string, opts leaseeng.Options) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := Start(ctx, Config{
		DataDir: dir, ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root", Leases: opts,
		Log: slog.New(slog.NewTextHandler(testkit.LogWriter(), nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// setupDatabase mounts database/ and writes the tutorial's connection
// (pointed at pg) and readwrite role, with the given TTLs.
func setupDatabase(t testing.TB, c *vault.Client, pg *testpg.Cluster, defaultTTL, maxTTL string) {
	t.Helper()
	require.NoError(t, c.Sys().Mount("database", &vault.MountInput{Type: "database"}))
	_, err := c.Logical().Write("database/config/myapp-db", map[string]any{
		"plugin_name":    "postgresql-database-plugin",
		"allowed_roles":  "myapp-readonly,myapp-readwrite",
		"connection_url": pg.TemplateURL(),
		"username":       testpg.SuperUser,
		"password":       pg.SuperPassword,
	})
	require.NoError(t, err)
	_, err = c.Logical().Write("database/roles/myapp-readwrite", map[string]any{
		"db_name":             "myapp-db",
		"creation_statements": tutorialCreation,
		"default_ttl":         defaultTTL,
		"max_ttl":             maxTTL,
	})
	require.NoError(t, err)
}

type creds struct {
	leaseID, username, password string
	duration                    int
}

func readCreds(t testing.TB, c *vault.Client, role string) creds {
	t.Helper()
	s, err := c.Logical().Read("database/creds/" + role)
	require.NoError(t, err)
	require.NotNil(t, s)
	u, _ := s.Data["username"].(string)
	p, _ := s.Data["password"].(string)
	require.NotEmpty(t, u)
	require.NotEmpty(t, p)
	return creds{leaseID: s.LeaseID, username: u, password: p, duration: s.LeaseDuration}
}

// roleGone polls pg_roles until the user is gone.
func roleGone(t testing.TB, pg *testpg.Cluster, user string, within time.Duration) {
	t.Helper()
	testkit.CheckFor(t, within, 0, func() error {
		if pg.RoleExists(t, user) {
			return fmt.Errorf("role %s still in pg_roles", user)
		}
		return nil
	})
}

func leaseState(t testing.TB, n *Node, id string) *leaseevent.State {
	t.Helper()
	deps, ok := n.activeDeps()
	require.True(t, ok)
	st, err := leasestore.Get(deps.Store, deps.Ledger.Barrier(), id)
	require.NoError(t, err)
	return st
}

func TestDatabaseSeedTutorial(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")

	cr := readCreds(t, c, "myapp-readwrite")
	assert.True(t, strings.HasPrefix(cr.leaseID, "database/creds/myapp-readwrite/"), cr.leaseID)
	assert.Equal(t, 3600, cr.duration)
	assert.True(t, strings.HasPrefix(cr.username, "v-root-myapp-re"), cr.username)

	// The generated user logs in over TCP (scram) and uses its grants.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pg.Connect(ctx, cr.username, cr.password, testpg.Database)
	require.NoError(t, err)
	var count int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM public."+testpg.Table).Scan(&count))
	assert.GreaterOrEqual(t, count, 2)
	_, err = conn.Exec(ctx, "INSERT INTO public."+testpg.Table+" (name) VALUES ('from-coffer')")
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "DELETE FROM public."+testpg.Table+" WHERE name = 'from-coffer'")
	require.Error(t, err, "the tutorial grants no DELETE")
	conn.Close(ctx)

	// Its VALID UNTIL is the lease's expiry plus a little slack.
	var validUntil time.Time
	require.NoError(t, pg.Admin(t).QueryRow(ctx, "SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", cr.username).Scan(&validUntil))
	assert.WithinDuration(t, time.Now().Add(time.Hour+5*time.Second), validUntil, 10*time.Second)

	// The lease looks like Vault's.
	look, err := c.Logical().Write("sys/leases/lookup", map[string]any{"lease_id": cr.leaseID})
	require.NoError(t, err)
	assert.Equal(t, cr.leaseID, look.Data["id"])
	assert.Equal(t, true, look.Data["renewable"])

	// Revoke: the role is gone from pg_roles when the call returns.
	require.NoError(t, c.Sys().Revoke(cr.leaseID))
	assert.False(t, pg.RoleExists(t, cr.username))
	_, err = c.Logical().Write("sys/leases/lookup", map[string]any{"lease_id": cr.leaseID})
	require.Error(t, err, "a revoked lease is no longer looked up")
}

func TestDatabaseConfigReadNeverShowsPassword(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")

	resp, body := rawRequest(t, n, "GET", "/v1/database/config/myapp-db", "root", "")
	require.Equal(t, 200, resp.StatusCode, body)
	assert.NotContains(t, body, pg.SuperPassword)
	var env struct {
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &env))
	assert.Equal(t, "postgresql-database-plugin", env.Data["plugin_name"])
	assert.Equal(t, []any{"myapp-readonly", "myapp-readwrite"}, env.Data["allowed_roles"])
	details, _ := env.Data["connection_details"].(map[string]any)
	require.NotNil(t, details)
	assert.Equal(t, pg.TemplateURL(), details["connection_url"])
	assert.Equal(t, testpg.SuperUser, details["username"])
	assert.NotContains(t, details, "password")

	// A literal password in the URL is redacted on read, with Vault's
	// warning on write.
	s, err := c.Logical().Write("database/config/literal", map[string]any{
		"plugin_name": "postgresql-database-plugin", "connection_url": pg.SuperURL(), "allowed_roles": "*",
	})
	require.NoError(t, err)
	require.NotNil(t, s)
	require.Len(t, s.Warnings, 1)
	resp, body = rawRequest(t, n, "GET", "/v1/database/config/literal", "root", "")
	require.Equal(t, 200, resp.StatusCode, body)
	assert.NotContains(t, body, pg.SuperPassword)
	assert.Contains(t, body, "xxxxx")

	list, err := c.Logical().List("database/config")
	require.NoError(t, err)
	assert.Equal(t, []any{"literal", "myapp-db"}, list.Data["keys"])

	role, err := c.Logical().Read("database/roles/myapp-readwrite")
	require.NoError(t, err)
	assert.Equal(t, "myapp-db", role.Data["db_name"])
	assert.Equal(t, json.Number("3600"), role.Data["default_ttl"])
	assert.Equal(t, json.Number("86400"), role.Data["max_ttl"])
	assert.Equal(t, []any{tutorialCreation}, role.Data["creation_statements"])
	assert.Equal(t, []any{}, role.Data["revocation_statements"])

	roles, err := c.Logical().List("database/roles")
	require.NoError(t, err)
	assert.Equal(t, []any{"myapp-readwrite"}, roles.Data["keys"])

	// reset reconnects (and still issues); an unknown connection is a 400.
	_, err = c.Logical().Write("database/reset/myapp-db", nil)
	require.NoError(t, err)
	cr := readCreds(t, c, "myapp-readwrite")
	require.NoError(t, c.Sys().Revoke(cr.leaseID))
	_, err = c.Logical().Write("database/reset/nope", nil)
	require.ErrorContains(t, err, `failed to find entry for connection with name: "nope"`)

	_, err = c.Logical().Delete("database/config/literal")
	require.NoError(t, err)
	missing, err := c.Logical().Read("database/config/literal")
	require.NoError(t, err)
	assert.Nil(t, missing, "a deleted config reads as 404")
}

func TestDatabaseRenewIsCapped(t *testing.T) {
	pg := testpg.Shared(t)
	clock := testkit.NewClock(time.Now())
	opts := fastLeases
	opts.Now = clock.Now
	n := startLeaseNode(t, t.TempDir(), opts)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")
	_, err := c.Logical().Write("database/roles/short", map[string]any{
		"db_name": "myapp-db", "creation_statements": tutorialCreation, "default_ttl": "20s", "max_ttl": "30s",
	})
	require.NoError(t, err)
	_, err = c.Logical().Write("database/config/myapp-db", map[string]any{"allowed_roles": "myapp-*,short"})
	require.NoError(t, err)

	cr := readCreds(t, c, "myapp-readwrite")
	s, err := c.Sys().Renew(cr.leaseID, 0)
	require.NoError(t, err)
	assert.Equal(t, cr.leaseID, s.LeaseID)
	assert.Equal(t, 3600, s.LeaseDuration, "no increment: the lease's own TTL")
	assert.True(t, s.Renewable)
	s, err = c.Sys().Renew(cr.leaseID, int((48 * time.Hour).Seconds()))
	require.NoError(t, err)
	assert.InDelta(t, 86400, s.LeaseDuration, 5, "capped by the role's max_ttl")

	short := readCreds(t, c, "short")
	assert.Equal(t, 20, short.duration)
	clock.Advance(3 * time.Second)
	s, err = c.Sys().Renew(short.leaseID, 30)
	require.NoError(t, err)
	assert.Less(t, s.LeaseDuration, 28, "near the cap the returned duration shrinks")
	assert.Greater(t, s.LeaseDuration, 23)
	// The user's VALID UNTIL followed the renewal.
	var validUntil time.Time
	ctx := context.Background()
	require.NoError(t, pg.Admin(t).QueryRow(ctx, "SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", short.username).Scan(&validUntil))
	st := leaseState(t, n, short.leaseID)
	assert.WithinDuration(t, st.ExpireAt.Add(5*time.Second), validUntil, 2*time.Second)
	assert.Equal(t, st.MaxExpireAt, st.ExpireAt, "renewed up to the cap")
}

func TestDatabaseRevokePrefixAndTokenCascade(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")

	var users []string
	for range 3 {
		users = append(users, readCreds(t, c, "myapp-readwrite").username)
	}
	for _, u := range users {
		require.True(t, pg.RoleExists(t, u))
	}
	require.NoError(t, c.Sys().RevokePrefix("database/creds/myapp-readwrite"))
	for _, u := range users {
		assert.False(t, pg.RoleExists(t, u), "revoke-prefix returns once every role is gone")
	}

	// A token's credentials go with it, and with its parent.
	require.NoError(t, c.Sys().PutPolicy("creds", `path "database/creds/*" { capabilities = ["read"] }
path "auth/token/create" { capabilities = ["update"] }`))
	parent, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"creds"}})
	require.NoError(t, err)
	pc := clientFor(t, n, parent.Auth.ClientToken)
	child, err := pc.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"creds"}})
	require.NoError(t, err)
	cc := clientFor(t, n, child.Auth.ClientToken)
	fromParent := readCreds(t, pc, "myapp-readwrite")
	fromChild := readCreds(t, cc, "myapp-readwrite")
	kept := readCreds(t, c, "myapp-readwrite")

	require.NoError(t, c.Auth().Token().RevokeTree(parent.Auth.ClientToken))
	roleGone(t, pg, fromParent.username, 15*time.Second)
	roleGone(t, pg, fromChild.username, 15*time.Second)
	testkit.CheckFor(t, 10*time.Second, 0, func() error {
		if st := leaseState(t, n, fromChild.leaseID); st.State != leaseevent.StateRevoked {
			return fmt.Errorf("child's lease is %s", st.State)
		}
		return nil
	})
	assert.True(t, pg.RoleExists(t, kept.username), "another token's credential stays")
}

// Disabling a mount revokes the leases it issued, as Vault's unmount does.
func TestDatabaseUnmountRevokesItsLeases(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")
	creds := readCreds(t, c, "myapp-readwrite")
	require.True(t, pg.RoleExists(t, creds.username))
	require.NoError(t, c.Sys().Unmount("database"))
	roleGone(t, pg, creds.username, 15*time.Second)
}

func TestDatabaseExpiryDropsTheRole(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "2s", "1m")

	cr := readCreds(t, c, "myapp-readwrite")
	require.Equal(t, 2, cr.duration)
	require.True(t, pg.RoleExists(t, cr.username))
	start := time.Now()
	roleGone(t, pg, cr.username, 10*time.Second)
	t.Logf("role dropped %s after issue (ttl 2s)", time.Since(start).Round(10*time.Millisecond))
	// lease.revoked is appended once the role is gone.
	testkit.CheckFor(t, 5*time.Second, 0, func() error {
		if st := leaseState(t, n, cr.leaseID); st.State != leaseevent.StateRevoked || st.Reason != "expired" {
			return fmt.Errorf("lease is %s (%q)", st.State, st.Reason)
		}
		return nil
	})
}

func TestDatabaseDownDuringExpiry(t *testing.T) {
	pg := testpg.Start(t) // stopped below: not the shared cluster
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "2s", "1m")

	cr := readCreds(t, c, "myapp-readwrite")
	require.NoError(t, pg.Stop())
	// The reaper keeps failing and says so: revocation_failed events, and
	// the lease listed as irrevocable once attempts pass the threshold.
	testkit.CheckFor(t, 30*time.Second, 0, func() error {
		s, err := c.Logical().ReadWithData("sys/leases", map[string][]string{"type": {"irrevocable"}})
		if err != nil {
			return err
		}
		leases, _ := s.Data["leases"].([]any)
		for _, l := range leases {
			if m, _ := l.(map[string]any); m["lease_id"] == cr.leaseID {
				if msg, _ := m["error"].(string); msg == "" || strings.Contains(msg, pg.SuperPassword) {
					return fmt.Errorf("error %q", msg)
				}
				return nil
			}
		}
		return fmt.Errorf("not listed irrevocable yet: %v", s.Data)
	})
	count, err := c.Logical().ReadWithData("sys/leases/count", map[string][]string{"type": {"irrevocable"}})
	require.NoError(t, err)
	assert.Equal(t, json.Number("1"), count.Data["lease_count"])
	failed := 0
	for _, rec := range readLedger(t, n) {
		if rec.Type == leaseevent.EventRevocationFailed && rec.Aggregate == cr.leaseID {
			failed++
			assert.NotContains(t, string(rec.Data), pg.SuperPassword)
		}
	}
	assert.GreaterOrEqual(t, failed, 3)

	// Back up: the reaper finishes the job by itself.
	require.NoError(t, pg.Start())
	roleGone(t, pg, cr.username, 20*time.Second)
	testkit.CheckFor(t, 10*time.Second, 0, func() error {
		if st := leaseState(t, n, cr.leaseID); st.State != leaseevent.StateRevoked {
			return fmt.Errorf("lease is %s", st.State)
		}
		return nil
	})
	s, err := c.Logical().ReadWithData("sys/leases", map[string][]string{"type": {"irrevocable"}})
	require.NoError(t, err)
	assert.Equal(t, json.Number("0"), s.Data["lease_count"])
}

// Closing the node without waiting for expiries is the in-process analogue
// of kill -9 (scenarios/database_test.go does the real one): leases that
// expire while it is down are revoked soon after it is back.
func TestDatabaseExpiredWhileDownRevokedAfterRestart(t *testing.T) {
	pg := testpg.Shared(t)
	dir := t.TempDir()
	n := startLeaseNode(t, dir, fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "3s", "1m")
	var users []string
	for range 5 {
		users = append(users, readCreds(t, c, "myapp-readwrite").username)
	}
	require.NoError(t, n.Close())
	for _, u := range users {
		require.True(t, pg.RoleExists(t, u), "nobody revoked while the node was down")
	}
	// The node comes back 4s later by its clock: every lease has expired.
	later := fastLeases
	later.Now = func() time.Time { return time.Now().Add(4 * time.Second) }
	restarted := time.Now()
	startLeaseNode(t, dir, later)
	for _, u := range users {
		roleGone(t, pg, u, 10*time.Second)
	}
	t.Logf("5 leases that expired while down revoked %s after restart", time.Since(restarted).Round(10*time.Millisecond))
}

func TestDatabaseHostileStatementsAndBadConnections(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")
	_, err := c.Logical().Write("database/config/myapp-db", map[string]any{"allowed_roles": "*"})
	require.NoError(t, err)

	status := func(err error) int {
		var re *vault.ResponseError
		if errors.As(err, &re) {
			return re.StatusCode
		}
		return 0
	}
	for _, tc := range []struct {
		name, creation, want string
	}{
		{"unterminated quote", `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}`, "unterminated string literal"},
		{"commit inside", `CREATE ROLE "{{name}}"; COMMIT; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"`, "transaction control (COMMIT)"},
		{"begin after a comment", "/* sneaky */ BEGIN; CREATE ROLE \"{{name}}\"", "transaction control (BEGIN)"},
		{"creates someone else", `CREATE ROLE admin2 WITH SUPERUSER LOGIN PASSWORD 'x'`, "mentions {{name}}"},
		{"empty", ``, "creation_statements are required"},
	} {
		_, err := c.Logical().Write("database/roles/hostile", map[string]any{"db_name": "myapp-db", "creation_statements": tc.creation})
		require.Error(t, err, tc.name)
		assert.Equal(t, 400, status(err), tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		r, err := c.Logical().Read("database/roles/hostile")
		require.NoError(t, err)
		assert.Nil(t, r, "%s: nothing recorded", tc.name)
	}
	_, err = c.Logical().Write("database/roles/hostile", map[string]any{"creation_statements": tutorialCreation})
	assert.Equal(t, 400, status(err), "db_name is required")

	// A DO block with semicolons inside dollar quotes is fine.
	_, err = c.Logical().Write("database/roles/doblock", map[string]any{"db_name": "myapp-db", "creation_statements": []string{
		`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
		`DO $$ BEGIN EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"'; END $$`,
	}})
	require.NoError(t, err)
	do := readCreds(t, c, "doblock")
	require.True(t, pg.RoleExists(t, do.username))
	require.NoError(t, c.Sys().Revoke(do.leaseID))

	// A statement PostgreSQL rejects: 400 that says which one, no user, no
	// live lease (it is closed as a rollback at once).
	_, err = c.Logical().Write("database/roles/broken", map[string]any{"db_name": "myapp-db", "creation_statements": `
		CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';
		GRANT SELECT ON public.no_such_table TO "{{name}}";`})
	require.NoError(t, err)
	before := countRoles(t, pg, "v-root-broken-%")
	_, err = c.Logical().Read("database/creds/broken")
	require.Error(t, err)
	assert.Equal(t, 400, status(err))
	assert.Contains(t, err.Error(), "statement 2 of 2 failed")
	assert.Contains(t, err.Error(), "42P01")
	assert.Equal(t, before, countRoles(t, pg, "v-root-broken-%"), "the rolled-back transaction created nobody")
	live, err := c.Logical().List("sys/leases/lookup/database/creds/broken/")
	require.NoError(t, err)
	assert.Nil(t, live, "no live lease left behind (404)")
	rolledBack := 0
	for _, rec := range readLedger(t, n) {
		if rec.Type == leaseevent.EventRevoked && strings.HasPrefix(rec.Aggregate, "database/creds/broken/") && strings.Contains(string(rec.Data), `"rollback"`) {
			rolledBack++
		}
	}
	assert.Equal(t, 1, rolledBack)

	// Bad connections are refused before anything is recorded.
	wrong := "wrong-" + pg.SuperPassword[:8] + "-password"
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"no plugin", map[string]any{"connection_url": pg.TemplateURL()}, "empty plugin name"},
		{"other plugin", map[string]any{"plugin_name": "mysql-database-plugin", "connection_url": pg.TemplateURL()}, "unsupported plugin_name"},
		{"no url", map[string]any{"plugin_name": "postgresql-database-plugin"}, "connection_url cannot be empty"},
		{"mysql url", map[string]any{"plugin_name": "postgresql-database-plugin", "connection_url": "mysql://u:p@127.0.0.1/db"}, "bad connection URL"},
		{"template without username", map[string]any{"plugin_name": "postgresql-database-plugin", "connection_url": pg.TemplateURL(), "password": "x"}, "no username is set"},
		{"nobody listening", map[string]any{"plugin_name": "postgresql-database-plugin", "connection_url": "postgresql://{{username}}:{{password}}@127.0.0.1:1/myapp?connect_timeout=2", "username": "u", "password": wrong}, "error verifying connection"},
		{"wrong password", map[string]any{"plugin_name": "postgresql-database-plugin", "connection_url": pg.TemplateURL(), "username": testpg.SuperUser, "password": wrong}, "error verifying connection"},
		{"bad password_authentication", map[string]any{"plugin_name": "postgresql-database-plugin", "connection_url": pg.TemplateURL(), "password_authentication": "md5"}, "password_authentication must be"},
		{"bad username template", map[string]any{"plugin_name": "postgresql-database-plugin", "connection_url": pg.TemplateURL(), "username": testpg.SuperUser, "password": pg.SuperPassword, "username_template": `{{.Nope}}`}, "bad username template"},
	} {
		_, err := c.Logical().Write("database/config/bad", tc.body)
		require.Error(t, err, tc.name)
		assert.Equal(t, 400, status(err), tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		assert.NotContains(t, err.Error(), wrong, "%s: the password never shows in an error", tc.name)
		r, err := c.Logical().Read("database/config/bad")
		require.NoError(t, err)
		assert.Nil(t, r, "%s: nothing recorded", tc.name)
	}

	// Not allowed, unknown: Vault's answers.
	_, err = c.Logical().Write("database/config/myapp-db", map[string]any{"allowed_roles": "myapp-*"})
	require.NoError(t, err)
	_, err = c.Logical().Read("database/creds/doblock")
	assert.Equal(t, 403, status(err))
	assert.Contains(t, err.Error(), `"doblock" is not an allowed role`)
	_, err = c.Logical().Read("database/creds/nobody")
	assert.Equal(t, 400, status(err))
	assert.Contains(t, err.Error(), "unknown role: nobody")
}

func countRoles(t testing.TB, pg *testpg.Cluster, like string) int {
	t.Helper()
	var n int
	require.NoError(t, pg.Admin(t).QueryRow(context.Background(), "SELECT count(*) FROM pg_roles WHERE rolname LIKE $1", like).Scan(&n))
	return n
}

// rotatedPassword reads the root password a rotation recorded, as only the
// ledger (and so only a test with the node's keys) knows it.
func rotatedPassword(t testing.TB, n *Node) string {
	t.Helper()
	pw := ""
	for _, rec := range readLedger(t, n) {
		if rec.Type == databaseevent.EventRootRotationStarted {
			var e databaseevent.RootRotationStarted
			require.NoError(t, json.Unmarshal(rec.Data, &e))
			pw = e.Password
		}
	}
	require.NotEmpty(t, pw)
	return pw
}

func TestDatabaseRotateRootAndRevokeFromSnapshot(t *testing.T) {
	pg := testpg.Start(t) // its superuser's password changes: not the shared cluster
	dir := t.TempDir()
	n := startLeaseNode(t, dir, fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")
	originalRoot := pg.SuperPassword
	before := readCreds(t, c, "myapp-readwrite")

	// A rotation statement PostgreSQL refuses: 400, and the old password
	// still works.
	_, err := c.Logical().Write("database/config/myapp-db", map[string]any{"root_rotation_statements": `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}' NOSUCHOPTION`})
	require.NoError(t, err)
	_, err = c.Logical().Write("database/rotate-root/myapp-db", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unable to rotate root credentials")
	assert.True(t, pg.RoleExists(t, before.username), "the old root password still works")
	_, err = c.Logical().Write("database/config/myapp-db", map[string]any{"root_rotation_statements": []string{}})
	require.NoError(t, err)

	_, err = c.Logical().Write("database/rotate-root/myapp-db", nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = pg.Connect(ctx, testpg.SuperUser, pg.SuperPassword, testpg.Database)
	require.Error(t, err, "the old root password no longer works")
	newPassword := rotatedPassword(t, n)
	require.NotEqual(t, pg.SuperPassword, newPassword)
	pg.SuperPassword = newPassword // for the helpers' admin connections

	// Credentials keep working, before and after the rotation.
	after := readCreds(t, c, "myapp-readwrite")
	conn, err := pg.Connect(ctx, after.username, after.password, testpg.Database)
	require.NoError(t, err)
	conn.Close(ctx)
	require.NoError(t, c.Sys().Revoke(before.leaseID), "revoked through the current config, with the rotated password")
	assert.False(t, pg.RoleExists(t, before.username))

	// With the configuration deleted, the lease's own snapshot revokes.
	_, err = c.Logical().Delete("database/config/myapp-db")
	require.NoError(t, err)
	require.NoError(t, c.Sys().Revoke(after.leaseID))
	assert.False(t, pg.RoleExists(t, after.username))

	// The config read never had the password, and no file under the data
	// dir holds any of the passwords in plaintext.
	require.NoError(t, n.Close())
	var needles [][]byte
	for _, secret := range []string{originalRoot, newPassword, before.password, after.password} {
		needles = append(needles, harness.Encodings([]byte(secret))...)
	}
	assert.Empty(t, harness.ScanForBytes(t, dir, needles...))
}

// BenchmarkDatabaseIssueRevoke is the loadgen's db-issue-revoke in process
// (for profiling): 16 clients each reading creds and revoking the lease.
func BenchmarkDatabaseIssueRevoke(b *testing.B) {
	pg := testpg.Shared(b)
	n := startLeaseNode(b, b.TempDir(), leaseeng.Options{})
	c := clientFor(b, n, "root")
	setupDatabase(b, c, pg, "1h", "24h")
	b.SetParallelism(8) // x GOMAXPROCS clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(p *testing.PB) {
		for p.Next() {
			s, err := c.Logical().Read("database/creds/myapp-readwrite")
			if err != nil {
				b.Error(err)
				return
			}
			if err := c.Sys().Revoke(s.LeaseID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

// nopRevoker stands in for an engine in BenchmarkStartWithLeases.
type nopRevoker struct{}

func (nopRevoker) Revoke(context.Context, *leaseevent.State) error           { return nil }
func (nopRevoker) Renew(context.Context, *leaseevent.State, time.Time) error { return nil }

// BenchmarkStartWithLeases seeds active leases (100,000 unless
// COFFER_BENCH_LEASES says otherwise) through the lease manager with a
// no-op engine, stops the node, and measures how long a restart takes
// until sys/health answers 200 and a lease lookup works (start-up must not
// load every lease):
//
//	go test ./node -run '^$' -bench StartWithLeases -benchtime 3x
func BenchmarkStartWithLeases(b *testing.B) {
	total := 100_000
	if v := os.Getenv("COFFER_BENCH_LEASES"); v != "" {
		var err error
		total, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	dir := b.TempDir()
	cfg := Config{DataDir: dir, ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root", Log: slog.New(slog.NewTextHandler(testkit.LogWriter(), nil))}
	ctx := context.Background()
	n, err := Start(ctx, cfg)
	require.NoError(b, err)
	n.Leases.RegisterRevoker("fake", nopRevoker{})
	seeded := time.Now()
	var next atomic.Int64
	var last atomic.Value // a lease id to look up after the restart
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for next.Add(1) <= int64(total) {
				st, err := n.Leases.Issue(ctx, leaseeng.IssueRequest{
					Engine: "fake", MountAccessor: "fake_1", MountPath: "fake/", Path: "creds/bench", TokenAccessor: "tok",
					TTL: 24 * time.Hour, MaxTTL: 48 * time.Hour, Renewable: true, RevokeData: map[string]string{"username": "v-bench"},
				}, func(context.Context, time.Time) error { return nil })
				if err != nil {
					b.Error(err)
					return
				}
				last.Store(st.ID)
			}
		})
	}
	wg.Wait()
	b.Logf("seeded %d active leases in %s", total, time.Since(seeded).Round(time.Millisecond))
	require.NoError(b, n.Close())

	var worst time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		n, err := Start(ctx, cfg)
		require.NoError(b, err)
		resp, body := rawRequest(b, n, "GET", "/v1/sys/health", "", "")
		require.Equal(b, 200, resp.StatusCode, body)
		resp, body = rawRequest(b, n, "PUT", "/v1/sys/leases/lookup", "root", `{"lease_id":"`+last.Load().(string)+`"}`)
		require.Equal(b, 200, resp.StatusCode, body)
		took := time.Since(t0)
		worst = max(worst, took)
		b.StopTimer()
		require.NoError(b, n.Close())
		b.StartTimer()
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-start-ms")
	b.Logf("in-process start with %d active leases: worst %s", total, worst.Round(time.Millisecond))

	// The binary on the same data dir, SIGKILLed and started again: JetStream
	// and pebble recover without their clean-shutdown state.
	b.StopTimer()
	s, err := harness.Launch(harness.Options{Bin: harness.Binary(b), DataDir: dir, Token: "root"})
	require.NoError(b, err)
	s.Kill()
	t0 := time.Now()
	s, err = harness.Launch(harness.Options{Bin: s.Bin, DataDir: dir, Token: "root"})
	require.NoError(b, err)
	took := time.Since(t0)
	defer func() { _ = s.Stop() }()
	look, err := s.Client(b).Logical().Write("sys/leases/lookup", map[string]any{"lease_id": last.Load().(string)})
	require.NoError(b, err)
	require.Equal(b, last.Load(), look.Data["id"])
	b.ReportMetric(float64(took.Milliseconds()), "after-kill9-start-ms")
	b.Logf("coffer server after kill -9 with %d active leases: serving %s after exec", total, took.Round(time.Millisecond))
}

// A rotation whose outcome was never recorded (a crash between recording
// the new password and the database's answer) is survived either way:
// pools fall back to the pending password when the current one fails, and
// the next rotate-root settles which one the database has.
func TestDatabaseInterruptedRotationIsSettled(t *testing.T) {
	pg := testpg.Start(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "1h", "24h")
	mounts, err := c.Sys().ListMounts()
	require.NoError(t, err)
	deps, ok := n.activeDeps()
	require.True(t, ok)
	runner := &cmddb.Runner{Bus: deps.Bus, Mount: mounts["database/"].Accessor}
	ctx := context.Background()
	config := func() *databasestore.Config {
		cfg, err := databasestore.GetConfig(deps.Store, deps.Ledger.Barrier(), runner.Mount, "myapp-db")
		require.NoError(t, err)
		return cfg
	}

	// Crash before the database was asked: the current password still
	// works; rotate-root abandons the old attempt and rotates.
	require.NoError(t, runner.StartRotation(ctx, "myapp-db", "Never-Sent-1234567890"))
	cr := readCreds(t, c, "myapp-readwrite")
	require.True(t, pg.RoleExists(t, cr.username))
	_, err = c.Logical().Write("database/rotate-root/myapp-db", nil)
	require.NoError(t, err)
	rotated := config().Password
	require.NotEqual(t, pg.SuperPassword, rotated)
	require.Empty(t, config().PendingPassword)
	pg.SuperPassword = rotated

	// Crash after the database took it: only the pending password works,
	// and the pools find it.
	const taken = "Taken-By-The-DB-0987654321"
	require.NoError(t, runner.StartRotation(ctx, "myapp-db", taken))
	_, err = pg.Admin(t).Exec(ctx, fmt.Sprintf(`ALTER ROLE %q WITH PASSWORD '%s'`, testpg.SuperUser, taken))
	require.NoError(t, err)
	pg.SuperPassword = taken
	cr = readCreds(t, c, "myapp-readwrite")
	require.True(t, pg.RoleExists(t, cr.username), "issued through the pending password")
	_, err = c.Logical().Write("database/rotate-root/myapp-db", nil)
	require.NoError(t, err)
	pg.SuperPassword = config().Password
	require.NotEqual(t, taken, pg.SuperPassword)
	require.NoError(t, c.Sys().Revoke(cr.leaseID))
	require.False(t, pg.RoleExists(t, cr.username))
	var settled []string
	for _, rec := range readLedger(t, n) {
		switch rec.Type {
		case databaseevent.EventRootRotationStarted, databaseevent.EventRootRotated, databaseevent.EventRootRotationFailed:
			settled = append(settled, strings.TrimPrefix(rec.Type, "database."))
		}
	}
	assert.Equal(t, []string{
		"root_rotation_started", "root_rotation_failed", "root_rotation_started", "root_rotated", // first crash, settled, rotated
		"root_rotation_started", "root_rotated", "root_rotation_started", "root_rotated", // second crash, settled, rotated
	}, settled)
}

// A configuration pointed at another server after a lease was issued: the
// lease's user is revoked where it was created (the snapshot), not "not
// found, so revoked" on the new server.
func TestDatabaseRevokeFollowsTheUserAfterTheConfigMoved(t *testing.T) {
	first := testpg.Shared(t)
	second := testpg.Start(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, first, "1h", "24h")
	cr := readCreds(t, c, "myapp-readwrite")

	_, err := c.Logical().Write("database/config/myapp-db", map[string]any{
		"connection_url": second.TemplateURL(), "password": second.SuperPassword,
	})
	require.NoError(t, err)
	moved := readCreds(t, c, "myapp-readwrite")
	require.True(t, second.RoleExists(t, moved.username))

	require.NoError(t, c.Sys().Revoke(cr.leaseID))
	assert.False(t, first.RoleExists(t, cr.username), "revoked on the server it was created on")
	require.NoError(t, c.Sys().Revoke(moved.leaseID))
	assert.False(t, second.RoleExists(t, moved.username))
}

// HashiCorp's LifetimeWatcher renews a credential until its max TTL and
// then reports it done: it relies on renewals reporting a shrinking
// lease_duration near the cap.
func TestDatabaseLifetimeWatcher(t *testing.T) {
	pg := testpg.Shared(t)
	n := startLeaseNode(t, t.TempDir(), fastLeases)
	c := clientFor(t, n, "root")
	setupDatabase(t, c, pg, "2s", "5s")

	list, err := c.Logical().List("sys/leases/lookup/database/creds/")
	require.NoError(t, err)
	assert.Nil(t, list, "no leases yet")
	secret, err := c.Logical().Read("database/creds/myapp-readwrite")
	require.NoError(t, err)
	list, err = c.Logical().List("sys/leases/lookup/database/creds/")
	require.NoError(t, err)
	assert.Equal(t, []any{"myapp-readwrite/"}, list.Data["keys"])

	w, err := c.NewLifetimeWatcher(&vault.LifetimeWatcherInput{Secret: secret, Increment: 2})
	require.NoError(t, err)
	go w.Start()
	defer w.Stop()
	renewals := 0
	start := time.Now()
	for {
		select {
		case err := <-w.DoneCh():
			require.NoError(t, err)
			elapsed := time.Since(start)
			assert.GreaterOrEqual(t, renewals, 1)
			assert.Less(t, elapsed, 8*time.Second, "done by the max TTL, not later")
			roleGone(t, pg, secret.Data["username"].(string), 10*time.Second)
			return
		case r := <-w.RenewCh():
			renewals++
			assert.LessOrEqual(t, r.Secret.LeaseDuration, 2)
		case <-time.After(15 * time.Second):
			t.Fatal("the watcher never finished")
		}
	}
}
