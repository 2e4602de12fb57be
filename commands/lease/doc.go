// Package lease holds the lease aggregate's pure decide functions.
//
// A lease's life is a sequence of events: lease.pending (recorded before
// the engine creates the credential, so a crash in between leaves a record
// that start-up rolls back), lease.issued (only after the credential
// exists; it carries everything needed to revoke it later, even if the role
// or connection config changes), lease.renewed, lease.expired,
// lease.revocation_failed (attempt and a secret-free error), lease.revoked
// and lease.forgotten (revoke-force gave up on it, on purpose and on the
// record).
package lease
