// Package database is the database secrets engine (Vault's "database"
// mount type) with its PostgreSQL plugin ("postgresql-database-plugin",
// engines/database/postgres): connection configurations, roles, dynamic
// credentials leased through the lease manager, and root rotation.
//
// # Paths
//
//	config/              LIST the connection names
//	config/:name         write (verified by connecting first, unless
//	                     verify_connection=false), read (never the
//	                     password), delete
//	reset/:name          close the connection pool and reconnect
//	rotate-root/:name    give the root user a new password only Coffer knows
//	roles/               LIST the role names
//	roles/:name          write, read, delete
//	creds/:name          issue a credential under a lease
//
// # Credentials and leases
//
// creds/:name runs through lease.Manager.Issue: lease.pending is recorded,
// then the role's creation statements run (in one transaction, so a failed
// statement leaves nothing behind), then lease.issued. The lease's revoke
// data (RevokeData) holds everything needed to revoke the user later even
// if the role or the configuration is changed or deleted: the database
// name, the statements, the username and a snapshot of the connection with
// the root password sealed by the barrier. Revocation prefers what is
// current (the root password may have been rotated since) and falls back
// to the snapshot.
//
// The Engine is one per unsealed node: it owns the connection pools (one
// per configuration, reopened when the configuration's version changes)
// and is the lease manager's Revoker for engine "database". Factory builds
// one Backend per mount on top of it.
//
// # Root rotation
//
// rotate-root records the new password (database.root_rotation_started,
// sealed in the read model) before PostgreSQL is asked to take it, then
// database.root_rotated or database.root_rotation_failed. If the outcome
// is unknown (a crash, a connection lost at commit) the pending password
// stays on the record: pools try the current password first and the
// pending one second, and the next rotate-root settles which one is right
// before it starts.
package database
