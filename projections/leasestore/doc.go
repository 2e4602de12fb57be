// Package leasestore is the read model of leases: each lease's state (its
// revocation data sealed by the barrier), an expiry index ordered by time
// that the scheduler scans from the front (so start-up never loads all
// leases), a pending index of leases that still need a revocation, and a
// token index so revoking a token finds its leases.
package leasestore
