// Package testpg starts throw-away PostgreSQL 15 clusters for tests.
//
// A cluster is a real postmaster: initdb into a fresh directory under the
// system temp dir, a free port on 127.0.0.1, its Unix socket inside that
// directory, and a superuser ("vault-root", as in the seed tutorial) with a
// random password. Local (socket) connections are trusted; TCP connections on
// 127.0.0.1 use scram-sha-256, so a generated database user can only log in
// with the password it was issued — which is what the database engine's tests
// must prove. Durability settings are off (fsync, synchronous_commit) because
// the cluster is discarded after the tests.
//
// initdb refuses to run as root, so when the tests run as root the
// PostgreSQL binaries are executed as the "postgres" system user and the
// cluster directory is chowned to it.
//
// initdb takes seconds, so a test package shares one cluster:
//
//	func TestMain(m *testing.M) { testpg.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		pg := testpg.Shared(t)
//		...
//	}
//
// Tests that stop the server (to simulate "database down") or otherwise
// disturb it start their own with Start(t), which t.Cleanup tears down.
//
// The binaries come from the Debian/Ubuntu package postgresql-15
// (/usr/lib/postgresql/15/bin); other locations are found through
// `pg_config --bindir` or PATH. When they are missing the tests are skipped,
// unless COFFER_REQUIRE_PG is set (CI sets it), in which case they fail.
package testpg
