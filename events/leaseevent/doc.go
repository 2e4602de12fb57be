// Package leaseevent is the event schema of the lease aggregate: the event
// types and payloads, the schema version, the lease states and the pure
// fold (Apply) from events to a lease's state.
//
// A lease's life is a sequence of events: lease.pending (recorded before
// the engine creates the credential, so a crash in between leaves a record
// that start-up rolls back), lease.issued (only after the credential
// exists, or at once when the core registers a credential a handler already
// made; it carries everything needed to revoke it later, even if the role
// or connection config changes), lease.renewed, lease.expired,
// lease.revocation_failed (attempt and a secret-free error), lease.revoked
// and lease.forgotten (revoke-force gave up on it, on purpose and on the
// record).
//
// The command side (commands/lease, engines/lease) and the read model
// (projections/leasestore) both import it.
package leaseevent
