package scenarios_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestClusterLeasesExpireWhileSingletonsDieAndDatabaseIsDown is fault test
// 4: database credentials are issued through all three nodes; PostgreSQL
// is stopped and the node running the singletons (the lease scheduler) is
// SIGKILLed before the leases expire. The leases expire during the
// failover and every revocation fails while the database is down; once it
// is back (and the killed node too), every expired role is dropped
// exactly once and no role is left behind.
//
// "Exactly once" is counted in PostgreSQL itself: the role's revocation
// statements record each execution in a table, in the transaction that
// drops the role, and drop it with IF EXISTS, so a second execution of a
// revocation would commit a second row rather than fail unseen.
func TestClusterLeasesExpireWhileSingletonsDieAndDatabaseIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: three coffer processes and PostgreSQL")
	}
	nodes, key := startClusterWithKey(t)
	pg := testpg.Start(t)
	ctx := context.Background()
	admin := pg.Admin(t)
	_, err := admin.Exec(ctx, "CREATE TABLE public.coffer_drops (name text NOT NULL, at timestamptz NOT NULL DEFAULT now())")
	require.NoError(t, err)
	before := pgRoleNames(t, admin)

	const ttl = 10 * time.Second
	for _, args := range [][]string{
		{"secrets", "enable", "database"},
		{"write", "database/config/app", "plugin_name=postgresql-database-plugin", "allowed_roles=app",
			"connection_url=" + pg.TemplateURL(), "username=" + testpg.SuperUser, "password=" + pg.SuperPassword},
		{"write", "database/roles/app", "db_name=app", "default_ttl=" + ttl.String(), "max_ttl=1h",
			`creation_statements=CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
			`revocation_statements=INSERT INTO public.coffer_drops (name) VALUES ('{{name}}'); DROP ROLE IF EXISTS "{{name}}";`},
	} {
		_, stderr, code := nodes[0].CLI(t, args...)
		require.Zero(t, code, "coffer %s: %s", args[0], stderr)
	}

	// Nine credentials, three through each node, issued at once.
	type cred struct{ lease, user string }
	creds := make([]cred, 9)
	var wg sync.WaitGroup
	errs := make([]error, len(creds))
	for i := range creds {
		wg.Go(func() {
			s, err := nodes[i%3].Client(t).Logical().Read("database/creds/app")
			if err == nil && (s == nil || s.LeaseID == "") {
				err = fmt.Errorf("no lease: %+v", s)
			}
			if err != nil {
				errs[i] = err
				return
			}
			creds[i] = cred{s.LeaseID, s.Data["username"].(string)}
		})
	}
	wg.Wait()
	issued := time.Now()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, c := range creds {
		require.True(t, pg.RoleExists(t, c.user), c.user)
	}

	// The database goes down, then the singletons' node dies, both well
	// before the leases expire (the TTL leaves seconds to spare).
	_, victim := clusterRoles(t, nodes)
	require.NoError(t, pg.Stop())
	nodes[victim].Kill()
	killed := time.Now()
	require.Less(t, killed.Sub(issued), ttl-2*time.Second, "the kill came after the leases expired: the machine is too slow for this test")
	var survivors []*harness.Server
	for i, s := range nodes {
		if i != victim {
			survivors = append(survivors, s)
		}
	}
	victimID := fmt.Sprintf("node%d/", victim+1)
	harness.Eventually(t, 30*time.Second, 200*time.Millisecond, func() error {
		ha, err := survivors[0].Client(t).Logical().Read("sys/ha-status")
		if err != nil || ha == nil {
			return fmt.Errorf("ha-status: %v", err)
		}
		sing, _ := ha.Data["singletons"].(map[string]any)
		if holder, _ := sing["holder"].(string); holder == "" || strings.HasPrefix(holder, victimID) {
			return fmt.Errorf("singletons still held by %q", holder)
		}
		return nil
	})
	t.Logf("singletons moved %s after the kill", time.Since(killed).Round(100*time.Millisecond))

	// Every lease expires on the new singletons' node and its revocation
	// is tried and fails (the survivors log each failure with the lease).
	harness.Eventually(t, 60*time.Second, 250*time.Millisecond, func() error {
		logs := survivors[0].Output() + survivors[1].Output()
		for _, c := range creds {
			if !strings.Contains(logs, "revocation failed; will retry") || !strings.Contains(logs, c.lease) {
				return fmt.Errorf("no failed revocation of %s logged yet", c.lease)
			}
		}
		return nil
	})
	t.Logf("every revocation failed against the stopped database %s after the kill", time.Since(killed).Round(100*time.Millisecond))

	// Recovery: the database, then the killed node.
	require.NoError(t, pg.Start())
	recovered := time.Now()
	nodes[victim].Restart(t)
	harness.Eventually(t, 60*time.Second, 200*time.Millisecond, func() error {
		st, err := nodes[victim].Client(t).Sys().Unseal(key)
		if err != nil {
			return err
		}
		if st.Sealed {
			return fmt.Errorf("still sealed")
		}
		return nil
	})

	conn := pg.Admin(t)
	harness.Eventually(t, 90*time.Second, 250*time.Millisecond, func() error {
		for _, c := range creds {
			if pg.RoleExists(t, c.user) {
				return fmt.Errorf("%s is still in pg_roles", c.user)
			}
		}
		return nil
	})
	t.Logf("every expired role dropped %s after the database came back", time.Since(recovered).Round(100*time.Millisecond))
	// Every node has the leases revoked: no job is left that could drop
	// a role again.
	for i, s := range nodes {
		for _, c := range creds {
			harness.Eventually(t, 30*time.Second, 200*time.Millisecond, func() error {
				_, err := s.Client(t).Logical().Write("sys/leases/lookup", map[string]any{"lease_id": c.lease})
				if err == nil || !strings.Contains(err.Error(), "invalid lease") {
					return fmt.Errorf("node%d: lease %s not revoked: %v", i+1, c.lease, err)
				}
				return nil
			})
		}
	}

	drops := map[string]int{}
	rows, err := conn.Query(ctx, "SELECT name FROM public.coffer_drops")
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	for _, n := range names {
		drops[n]++
	}
	for _, c := range creds {
		require.Equal(t, 1, drops[c.user], "revocations of %s", c.user)
		delete(drops, c.user)
	}
	require.Empty(t, drops, "revocations of roles never issued")
	require.Equal(t, before, pgRoleNames(t, conn), "a role was left behind (leaked) or one that was there went")
}

// pgRoleNames lists pg_roles, sorted.
func pgRoleNames(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT rolname FROM pg_roles")
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	slices.Sort(names)
	return names
}
