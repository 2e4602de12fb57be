package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// tutorialCreation is the seed tutorial's creation_statements for the
// myapp-readwrite role, verbatim.
const tutorialCreation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{{name}}";
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// openDB opens the plugin against pg as the tutorial configures it.
func openDB(t testing.TB, pg *testpg.Cluster, modify ...func(*postgres.Config)) *postgres.DB {
	t.Helper()
	cfg := postgres.Config{
		ConnectionURL: pg.TemplateURL(),
		Username:      testpg.SuperUser,
		Password:      pg.SuperPassword,
	}
	for _, m := range modify {
		m(&cfg)
	}
	db, err := postgres.Open(testContext(t), cfg)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

func newCredentials(t testing.TB, db *postgres.DB, ttl time.Duration) postgres.Credentials {
	t.Helper()
	name, err := db.NewUsername("token", "myapp-readwrite", time.Now())
	require.NoError(t, err)
	return postgres.Credentials{Username: name, Password: postgres.NewPassword(), Expiration: time.Now().Add(ttl)}
}

// validUntil is the role's rolvaliduntil.
func validUntil(t testing.TB, pg *testpg.Cluster, role string) time.Time {
	t.Helper()
	var until time.Time
	require.NoError(t, pg.Admin(t).QueryRow(testContext(t), "SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", role).Scan(&until))
	return until
}

func assertLoginFails(t testing.TB, pg *testpg.Cluster, user, password string) {
	t.Helper()
	conn, err := pg.Connect(testContext(t), user, password, testpg.Database)
	if err == nil {
		conn.Close(context.Background())
		t.Fatalf("login as %s succeeded", user)
	}
	assert.Contains(t, err.Error(), "password authentication failed")
}

func TestSeedTutorialFlow(t *testing.T) {
	pg := testpg.Shared(t)
	for _, auth := range []string{postgres.PasswordAuthPassword, postgres.PasswordAuthSCRAM} {
		t.Run(auth, func(t *testing.T) {
			ctx := testContext(t)
			db := openDB(t, pg, func(c *postgres.Config) { c.PasswordAuthentication = auth })
			require.NoError(t, db.VerifyConnection(ctx))

			creds := newCredentials(t, db, time.Hour)
			require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, creds))
			require.True(t, pg.RoleExists(t, creds.Username))
			assert.WithinDuration(t, creds.Expiration, validUntil(t, pg, creds.Username), time.Second)

			var stored string
			require.NoError(t, pg.Admin(t).QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", creds.Username).Scan(&stored))
			assert.True(t, strings.HasPrefix(stored, "SCRAM-SHA-256$"), "PostgreSQL keeps a verifier, not %q", stored)

			// The issued credentials work over TCP (scram-sha-256 in pg_hba.conf),
			// with exactly the tutorial's grants.
			conn, err := pg.Connect(ctx, creds.Username, creds.Password, testpg.Database)
			require.NoError(t, err)
			var n int
			require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM public.items").Scan(&n))
			assert.GreaterOrEqual(t, n, 2)
			_, err = conn.Exec(ctx, "INSERT INTO public.items (name) VALUES ('from '||current_user)")
			require.NoError(t, err, "INSERT and the sequence's USAGE are granted")
			_, err = conn.Exec(ctx, "DELETE FROM public.items")
			var pgErr *pgconn.PgError
			require.ErrorAs(t, err, &pgErr, "DELETE is not granted")
			assert.Equal(t, "42501", pgErr.Code)
			conn.Close(ctx)

			assertLoginFails(t, pg, creds.Username, "wrong-"+creds.Password)

			// Renew moves VALID UNTIL.
			later := time.Now().Add(3 * time.Hour)
			require.NoError(t, db.RenewUser(ctx, nil, creds.Username, later))
			assert.WithinDuration(t, later, validUntil(t, pg, creds.Username), time.Second)

			// Revoke: the role is gone and its password no longer logs in.
			require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))
			assert.False(t, pg.RoleExists(t, creds.Username))
			assertLoginFails(t, pg, creds.Username, creds.Password)

			// Revoking again is fine; renewing a revoked role is not.
			require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))
			require.ErrorIs(t, db.RenewUser(ctx, nil, creds.Username, later), postgres.ErrUserNotFound)
		})
	}
}

func TestExpiredRoleCannotLogIn(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg)
	creds := newCredentials(t, db, -time.Minute)
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, creds))
	t.Cleanup(func() { _ = db.RevokeUser(context.Background(), nil, creds.Username) })
	assertLoginFails(t, pg, creds.Username, creds.Password)

	require.NoError(t, db.RenewUser(ctx, nil, creds.Username, time.Now().Add(time.Hour)))
	conn, err := pg.Connect(ctx, creds.Username, creds.Password, testpg.Database)
	require.NoError(t, err, "renewal made the role valid again")
	conn.Close(ctx)
}

func TestCreateUserIsAllOrNothing(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg)
	creds := newCredentials(t, db, time.Hour)

	err := db.CreateUser(ctx, []string{
		`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'`,
		`GRANT SELECT ON public.no_such_table TO "{{name}}"`,
	}, creds)
	var se *postgres.StatementError
	require.ErrorAs(t, err, &se)
	require.ErrorIs(t, err, postgres.ErrStatement)
	assert.Equal(t, "create", se.Op)
	assert.Equal(t, 2, se.Index)
	assert.Equal(t, 2, se.Count)
	assert.Equal(t, "42P01", se.SQLState)
	assert.Contains(t, err.Error(), "statement 2 of 2")
	assert.NotContains(t, err.Error(), creds.Password)
	assert.False(t, pg.RoleExists(t, creds.Username), "the role of the failed transaction is not left behind")

	require.ErrorIs(t, db.CreateUser(ctx, []string{" ; -- nothing\n"}, creds), postgres.ErrNoCreationStatements)
	require.ErrorIs(t, db.CreateUser(ctx, nil, creds), postgres.ErrNoCreationStatements)
	require.ErrorIs(t, db.CreateUser(ctx, []string{"CREATE ROLE 'unterminated"}, creds), postgres.ErrBadStatements)
}

func TestHostileInput(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg)

	t.Run("usernames and passwords outside the safe alphabets never reach the database", func(t *testing.T) {
		victim := newCredentials(t, db, time.Hour)
		require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, victim))
		t.Cleanup(func() { _ = db.RevokeUser(context.Background(), nil, victim.Username) })

		evilName := postgres.Credentials{Username: victim.Username + `" SUPERUSER; DROP ROLE "` + victim.Username, Password: postgres.NewPassword()}
		require.ErrorIs(t, db.CreateUser(ctx, []string{tutorialCreation}, evilName), postgres.ErrUnsafeUsername)
		require.ErrorIs(t, db.RevokeUser(ctx, []string{`DROP ROLE "{{name}}"`}, evilName.Username), postgres.ErrUnsafeUsername)
		require.ErrorIs(t, db.RenewUser(ctx, nil, evilName.Username, time.Now()), postgres.ErrUnsafeUsername)
		evilPassword := newCredentials(t, db, time.Hour)
		evilPassword.Password = `x' SUPERUSER; --`
		require.ErrorIs(t, db.CreateUser(ctx, []string{tutorialCreation}, evilPassword), postgres.ErrUnsafePassword)
		assert.True(t, pg.RoleExists(t, victim.Username))
		assert.False(t, pg.RoleExists(t, evilPassword.Username))
	})

	t.Run("dollar-quoted blocks with semicolons and quotes run as one statement", func(t *testing.T) {
		creds := newCredentials(t, db, time.Hour)
		require.NoError(t, db.CreateUser(ctx, []string{`
			CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
			DO $grant$
			BEGIN
				-- a comment; with a semicolon and a 'quote'
				EXECUTE format('GRANT SELECT ON public.items TO %I', '{{name}}');
				RAISE NOTICE 'granted; done';
			END
			$grant$;`}, creds))
		conn, err := pg.Connect(ctx, creds.Username, creds.Password, testpg.Database)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, "SELECT * FROM public.items")
		require.NoError(t, err)
		conn.Close(ctx)
		require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))
		assert.False(t, pg.RoleExists(t, creds.Username))
	})

	t.Run("a password echoed in an error message is redacted", func(t *testing.T) {
		creds := newCredentials(t, db, time.Hour)
		err := db.CreateUser(ctx, []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD {{password}}x`}, creds)
		var se *postgres.StatementError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "42601", se.SQLState)
		assert.NotContains(t, err.Error(), creds.Password)
		assert.Contains(t, err.Error(), "[redacted]")
	})
}

func TestConcurrentCreateRevokeAllSucceed(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg, func(c *postgres.Config) { c.MaxOpenConnections = 8 })

	const cycles = 20
	var wg sync.WaitGroup
	errs := make([]error, cycles)
	names := make([]string, cycles)
	for i := range cycles {
		wg.Go(func() {
			creds := newCredentials(t, db, time.Hour)
			names[i] = creds.Username
			if err := db.CreateUser(ctx, []string{tutorialCreation}, creds); err != nil {
				errs[i] = fmt.Errorf("create: %w", err)
				return
			}
			if err := db.RevokeUser(ctx, nil, creds.Username); err != nil {
				errs[i] = fmt.Errorf("revoke: %w", err)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "cycle %d", i)
		assert.False(t, pg.RoleExists(t, names[i]))
	}
}

func TestRevokeEndsSessionsAndKeepsOwnedObjects(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg)
	creds := newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation, `GRANT CREATE ON SCHEMA public TO "{{name}}"`}, creds))

	conn, err := pg.Connect(ctx, creds.Username, creds.Password, testpg.Database)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	table := "made_by_" + strings.ReplaceAll(creds.Username, "-", "_")
	_, err = conn.Exec(ctx, "CREATE TABLE public."+table+" (x int); INSERT INTO public."+table+" VALUES (42)")
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "GRANT SELECT ON public."+table+" TO PUBLIC")
	require.NoError(t, err)

	require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))
	assert.False(t, pg.RoleExists(t, creds.Username))

	_, err = conn.Exec(ctx, "SELECT 1")
	require.Error(t, err, "the role's session was terminated")

	var owner string
	var x int
	require.NoError(t, pg.Admin(t).QueryRow(ctx,
		"SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", table).Scan(&owner))
	assert.Equal(t, testpg.SuperUser, owner, "the role's table was reassigned, not dropped")
	require.NoError(t, pg.Admin(t).QueryRow(ctx, "SELECT x FROM public."+table).Scan(&x))
	assert.Equal(t, 42, x)
}

func TestRevokeWithoutReassignPrivilegeFallsBackToVaultsRevocation(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	admin := pg.Admin(t)
	// A root that may create roles but is neither superuser nor member of
	// the roles it creates, so REASSIGN/DROP OWNED are denied to it.
	rootName, rootPassword := "app-admin-"+strings.ToLower(postgres.NewPassword()[:6]), postgres.NewPassword()
	schema := pgx.Identifier{rootName + "-schema"}.Sanitize()
	_, err := admin.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s WITH LOGIN CREATEROLE PASSWORD '%s';
		CREATE SCHEMA %s AUTHORIZATION %[1]s;
		CREATE TABLE %[3]s.t (x int);
		ALTER TABLE %[3]s.t OWNER TO %[1]s;
		GRANT CONNECT ON DATABASE myapp TO %[1]s WITH GRANT OPTION;`, pgx.Identifier{rootName}.Sanitize(), rootPassword, schema))
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), fmt.Sprintf("DROP SCHEMA %s CASCADE; REVOKE ALL ON DATABASE myapp FROM %s; DROP ROLE %[2]s", schema, pgx.Identifier{rootName}.Sanitize()))
	})

	db := openDB(t, pg, func(c *postgres.Config) { c.Username, c.Password = rootName, rootPassword })
	creds := newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';
		GRANT USAGE ON SCHEMA ` + schema + ` TO "{{name}}";
		GRANT SELECT ON ALL TABLES IN SCHEMA ` + schema + ` TO "{{name}}";`}, creds))

	require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))
	assert.False(t, pg.RoleExists(t, creds.Username))
	require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))
}

func TestCustomRevocationAndRenewStatements(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg)
	creds := newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, creds))

	later := time.Now().Add(5 * time.Hour)
	require.NoError(t, db.RenewUser(ctx, []string{`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'; COMMENT ON ROLE "{{name}}" IS 'renewed'`}, creds.Username, later))
	assert.WithinDuration(t, later, validUntil(t, pg, creds.Username), time.Second)

	revocation := []string{`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{{name}}";
		REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{{name}}";
		DROP ROLE "{{name}}";`}
	require.NoError(t, db.RevokeUser(ctx, revocation, creds.Username))
	assert.False(t, pg.RoleExists(t, creds.Username))
	require.NoError(t, db.RevokeUser(ctx, revocation, creds.Username), "the role is gone: revoked")

	// A failure that is not about the role is reported.
	other := newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, other))
	err := db.RevokeUser(ctx, []string{`REVOKE ALL ON public.nope FROM "{{name}}"`}, other.Username)
	require.ErrorIs(t, err, postgres.ErrStatement)
	require.NoError(t, db.RevokeUser(ctx, nil, other.Username))
}

func TestRollback(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)
	db := openDB(t, pg)

	creds := newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, creds))
	require.NoError(t, db.Rollback(ctx, nil, creds.Username), "default: revocation")
	assert.False(t, pg.RoleExists(t, creds.Username))

	creds = newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'`}, creds))
	rollback := []string{`DROP ROLE "{{name}}"`}
	require.NoError(t, db.Rollback(ctx, rollback, creds.Username))
	assert.False(t, pg.RoleExists(t, creds.Username))
	require.NoError(t, db.Rollback(ctx, rollback, creds.Username), "a role that was never created is rolled back")
}

func TestRotateRoot(t *testing.T) {
	pg := testpg.Shared(t)
	for _, auth := range []string{postgres.PasswordAuthPassword, postgres.PasswordAuthSCRAM} {
		t.Run(auth, func(t *testing.T) {
			ctx := testContext(t)
			admin := pg.Admin(t)
			// A root of its own, so that the shared superuser keeps its password.
			root, oldPassword := "rotator-"+strings.ToLower(postgres.NewPassword()[:8]), postgres.NewPassword()
			_, err := admin.Exec(ctx, fmt.Sprintf("CREATE ROLE %s WITH LOGIN SUPERUSER PASSWORD '%s'", pgx.Identifier{root}.Sanitize(), oldPassword))
			require.NoError(t, err)
			t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE "+pgx.Identifier{root}.Sanitize()) })

			db := openDB(t, pg, func(c *postgres.Config) {
				c.Username, c.Password, c.PasswordAuthentication = root, oldPassword, auth
			})
			require.NoError(t, db.VerifyConnection(ctx))

			newPassword, err := db.RotateRoot(ctx, nil)
			require.NoError(t, err)
			require.NotEqual(t, oldPassword, newPassword)
			assert.Equal(t, newPassword, db.Config().Password)

			assertLoginFails(t, pg, root, oldPassword)
			conn, err := pg.Connect(ctx, root, newPassword, testpg.Database)
			require.NoError(t, err)
			conn.Close(ctx)

			// The plugin reconnected with the new password.
			require.NoError(t, db.VerifyConnection(ctx))
			creds := newCredentials(t, db, time.Hour)
			require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, creds))
			require.NoError(t, db.RevokeUser(ctx, nil, creds.Username))

			// Custom rotation statements.
			third, err := db.RotateRoot(ctx, []string{`ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}'`})
			require.NoError(t, err)
			assertLoginFails(t, pg, root, newPassword)
			conn, err = pg.Connect(ctx, root, third, testpg.Database)
			require.NoError(t, err)
			conn.Close(ctx)
		})
	}
}

func TestRotateRootNeedsAUsername(t *testing.T) {
	pg := testpg.Shared(t)
	db := openDB(t, pg, func(c *postgres.Config) { c.ConnectionURL, c.Username, c.Password = pg.SuperURL(), "", "" })
	require.NoError(t, db.VerifyConnection(testContext(t)))
	pw, err := db.RotateRoot(testContext(t), nil)
	require.ErrorIs(t, err, postgres.ErrNoRootUsername)
	assert.Empty(t, pw)
}

func TestConnectionFailuresAreClearAndSecretFree(t *testing.T) {
	pg := testpg.Shared(t)
	ctx := testContext(t)

	wrong := openDB(t, pg, func(c *postgres.Config) { c.Password = "Wrong-Password-123" })
	err := wrong.VerifyConnection(ctx)
	require.ErrorIs(t, err, postgres.ErrConnect)
	assert.Contains(t, err.Error(), "password authentication failed")
	assert.NotContains(t, err.Error(), "Wrong-Password-123")

	noServer := openDB(t, pg, func(c *postgres.Config) {
		c.ConnectionURL = strings.Replace(pg.TemplateURL(), fmt.Sprint(pg.Port), "1", 1)
	})
	err = noServer.VerifyConnection(ctx)
	require.ErrorIs(t, err, postgres.ErrConnect)
	assert.NotContains(t, err.Error(), pg.SuperPassword)

	_, err = postgres.Open(ctx, postgres.Config{ConnectionURL: "postgresql://{{username}}:{{password}}@127.0.0.1:notaport/myapp", Username: "u", Password: pg.SuperPassword})
	require.ErrorIs(t, err, postgres.ErrBadConnectionURL)
	assert.NotContains(t, err.Error(), pg.SuperPassword)

	closed := openDB(t, pg)
	closed.Close()
	require.ErrorIs(t, closed.VerifyConnection(ctx), postgres.ErrClosed)
	require.ErrorIs(t, closed.RevokeUser(ctx, nil, "v-x"), postgres.ErrClosed)
}

func TestDatabaseDownAndBack(t *testing.T) {
	pg := testpg.Start(t)
	ctx := testContext(t)
	db := openDB(t, pg)

	before := newCredentials(t, db, time.Hour)
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, before))

	require.NoError(t, pg.Stop())
	during := newCredentials(t, db, time.Hour)
	for name, err := range map[string]error{
		"verify": db.VerifyConnection(ctx),
		"create": db.CreateUser(ctx, []string{tutorialCreation}, during),
		"renew":  db.RenewUser(ctx, nil, before.Username, time.Now().Add(time.Hour)),
		"revoke": db.RevokeUser(ctx, nil, before.Username),
	} {
		require.ErrorIs(t, err, postgres.ErrConnect, name)
		assert.Contains(t, err.Error(), "connect", name)
		assert.NotContains(t, err.Error(), pg.SuperPassword, name)
		assert.NotContains(t, err.Error(), during.Password, name)
	}

	require.NoError(t, pg.Start())
	require.NoError(t, db.VerifyConnection(ctx))
	require.NoError(t, db.RevokeUser(ctx, nil, before.Username))
	assert.False(t, pg.RoleExists(t, before.Username))
	require.NoError(t, db.CreateUser(ctx, []string{tutorialCreation}, during))
	require.NoError(t, db.RevokeUser(ctx, nil, during.Username))
}

func TestCancelledContext(t *testing.T) {
	pg := testpg.Shared(t)
	db := openDB(t, pg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.CreateUser(ctx, []string{tutorialCreation}, newCredentials(t, db, time.Hour))
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, postgres.ErrConnect))
}

func BenchmarkCreateRevoke(b *testing.B) {
	pg := testpg.Shared(b)
	ctx := testContext(b)
	db := openDB(b, pg)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		creds := newCredentials(b, db, time.Hour)
		if err := db.CreateUser(ctx, []string{tutorialCreation}, creds); err != nil {
			b.Fatal(err)
		}
		if err := db.RevokeUser(ctx, nil, creds.Username); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cycles/s")
}

// BenchmarkCreateRevokeParallel runs cycles from 8 connections at once: the
// advisory lock serialises them, so none fails and throughput holds.
func BenchmarkCreateRevokeParallel(b *testing.B) {
	pg := testpg.Shared(b)
	ctx := testContext(b)
	db := openDB(b, pg, func(c *postgres.Config) { c.MaxOpenConnections = 8 })
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(p *testing.PB) {
		for p.Next() {
			creds := newCredentials(b, db, time.Hour)
			if err := db.CreateUser(ctx, []string{tutorialCreation}, creds); err != nil {
				b.Error(err)
				return
			}
			if err := db.RevokeUser(ctx, nil, creds.Username); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cycles/s")
}
