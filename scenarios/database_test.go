package scenarios_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/scenarios/harness"
)

// The seed tutorial's database commands, run with the coffer CLI against a
// real PostgreSQL; the connection URL points at the test cluster instead of
// db.example.com, and the TTL is seconds instead of an hour so that expiry
// happens within the test.
func tutorialDatabase(t *testing.T, s *harness.Server, pg *testpg.Cluster, ttl string) {
	t.Helper()
	for _, args := range [][]string{
		{"secrets", "enable", "database"},
		{"write", "database/config/myapp-db",
			"plugin_name=postgresql-database-plugin",
			"allowed_roles=myapp-readonly,myapp-readwrite",
			"connection_url=" + pg.TemplateURL(),
			"username=" + testpg.SuperUser,
			"password=" + pg.SuperPassword},
		{"write", "database/roles/myapp-readwrite",
			"db_name=myapp-db",
			`creation_statements=CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{{name}}";
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`,
			"default_ttl=" + ttl,
			"max_ttl=24h"},
	} {
		_, stderr, code := s.CLI(t, args...)
		require.Equal(t, 0, code, "coffer %s: %s", strings.Join(args, " "), stderr)
	}
}

// cliCreds is `coffer read -format=json database/creds/myapp-readwrite`.
func cliCreds(t *testing.T, s *harness.Server) (leaseID, username, password string) {
	t.Helper()
	stdout, stderr, code := s.CLI(t, "read", "-format=json", "database/creds/myapp-readwrite")
	require.Equal(t, 0, code, stderr)
	var out struct {
		LeaseID       string            `json:"lease_id"`
		LeaseDuration int               `json:"lease_duration"`
		Renewable     bool              `json:"renewable"`
		Data          map[string]string `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
	require.True(t, strings.HasPrefix(out.LeaseID, "database/creds/myapp-readwrite/"), out.LeaseID)
	require.True(t, out.Renewable)
	require.NotEmpty(t, out.Data["username"])
	require.NotEmpty(t, out.Data["password"])
	return out.LeaseID, out.Data["username"], out.Data["password"]
}

// TestDatabaseLeasesSurviveKill9: credentials whose leases expire while
// the server is SIGKILLed are revoked soon after it starts again, and none
// is revoked early.
func TestDatabaseLeasesSurviveKill9(t *testing.T) {
	s := start(t)
	pg := testpg.Start(t)
	tutorialDatabase(t, s, pg, "4s")

	var users []string
	for range 4 {
		_, u, p := cliCreds(t, s)
		conn, err := pg.Connect(t.Context(), u, p, testpg.Database)
		require.NoError(t, err, "the issued user logs in")
		var n int
		require.NoError(t, conn.QueryRow(t.Context(), "SELECT count(*) FROM public."+testpg.Table).Scan(&n))
		conn.Close(t.Context())
		users = append(users, u)
	}
	s.Kill()
	time.Sleep(5 * time.Second) // every lease expires while the server is dead
	for _, u := range users {
		require.True(t, pg.RoleExists(t, u), "%s revoked while nobody was running", u)
	}
	s.Restart(t)
	restarted := time.Now()
	harness.Eventually(t, 20*time.Second, 50*time.Millisecond, func() error {
		for _, u := range users {
			if pg.RoleExists(t, u) {
				return fmt.Errorf("%s still in pg_roles", u)
			}
		}
		return nil
	})
	t.Logf("%d leases that expired during the kill revoked %s after restart", len(users), time.Since(restarted).Round(10*time.Millisecond))

	// A lease revoked with the CLI's logical write to sys/leases/revoke,
	// and the data dir holds no password in plaintext.
	leaseID, u, p := cliCreds(t, s)
	_, stderr, code := s.CLI(t, "write", "sys/leases/revoke", "lease_id="+leaseID)
	require.Equal(t, 0, code, stderr)
	require.False(t, pg.RoleExists(t, u))

	// `coffer lease lookup|renew|revoke`, as the tutorial's
	// `vault lease revoke <lease_id>`.
	leaseID2, u2, _ := cliCreds(t, s)
	out, stderr, code := s.CLI(t, "lease", "lookup", leaseID2)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "expire_time")
	out, stderr, code = s.CLI(t, "lease", "renew", "-increment=30m", leaseID2)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, leaseID2)
	_, stderr, code = s.CLI(t, "lease", "revoke", "-sync", leaseID2)
	require.Equal(t, 0, code, stderr)
	require.False(t, pg.RoleExists(t, u2))
	_, stderr, code = s.CLI(t, "lease", "revoke", "-prefix", "database/creds/")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, s.Stop())
	var needles [][]byte
	for _, secret := range []string{pg.SuperPassword, p} {
		needles = append(needles, harness.Encodings([]byte(secret))...)
	}
	require.Empty(t, harness.ScanForBytes(t, s.DataDir, needles...))
	require.NotContains(t, s.Output(), pg.SuperPassword)
	require.NotContains(t, s.Output(), p)
}
