// Package postgres is the database-facing half of the database engine's
// PostgreSQL plugin (Vault's "postgresql-database-plugin"): a pool per
// connection configuration, and the role operations a lease needs —
// CreateUser, RenewUser, RevokeUser, Rollback — plus RotateRoot.
//
// The engine (paths, leases, the reaper) sits on top; this package knows
// nothing of events or leases and keeps no state besides its pool.
//
// # Statements and templates
//
// Creation, renewal, revocation, rollback and root-rotation statements are
// operator-supplied SQL, trusted as in Vault: whoever may write a role may
// run SQL as the connection's user. What Coffer substitutes into them is
// safe by construction: {{name}} and {{username}} are generated from
// [A-Za-z0-9_.@-], {{password}} from a quote-, backslash- and
// semicolon-free alphabet (or is a SCRAM verifier), {{expiration}} is a
// timestamp — all checked before substitution — so a generated value cannot
// leave the quotes the statement puts around it. Statement strings are split
// with SplitStatements, which, unlike Vault, respects quotes, dollar quotes
// and comments, so DO blocks and function bodies work. The built-in
// statements quote identifiers with pgx.Identifier.
//
// # Serialised role DDL
//
// Every role operation runs its statements in one transaction holding a
// PostgreSQL advisory lock: concurrent GRANT ... ON ALL TABLES from several
// sessions fails with "tuple concurrently updated" (SQLSTATE XX000) or
// deadlocks, so role DDL is serialised per database. Those failures, should
// they happen anyway (DDL by someone else), are retried a few times.
//
// # Secrets in errors
//
// No error of this package contains a password, a SCRAM verifier or a
// connection URL with its password: PostgreSQL's messages are redacted, and
// statement errors (StatementError) carry the statement's position, not its
// text.
package postgres
