// Package databasestore is the read model of the database secrets engine:
// one record per connection configuration and one per role, per mount. It
// also defines the database event types and payloads that the database
// commands append.
//
// Layout in pebble, all under "database/<mount accessor>\x00":
//
//	c<hmac>   a connection configuration (sealed JSON); the root password and a
//	          pending rotated one are sealed by the barrier, never plain
//	r<hmac>   a role (sealed JSON: statements, TTLs)
//
// <hmac> is the hex HMAC of mount and name (projections.NameKey); records
// are sealed whole by the barrier (projections.PutJSON), since connection
// URLs, usernames and role SQL are what an operator wrote.
//
// The root password travels in plaintext only inside ledger events, which
// the ledger encrypts; the projection seals it again before it reaches
// pebble, bound to its mount, connection name and slot (AAD), so a sealed
// password cannot be replayed as another connection's.
//
// Root rotation is recorded in two steps so that the new password is on
// the record before PostgreSQL accepts it: database.root_rotation_started
// stores it as the pending password, database.root_rotated promotes it to
// the current one (database.root_rotation_failed drops it). A crash in
// between leaves both on the record; the engine then tries the current one
// first and the pending one second.
package databasestore
