// Package leasestore is the read model of leases: each lease's state (its
// revocation data sealed by the barrier), an expiry index ordered by time
// that the scheduler scans from the front (so start-up never loads all
// leases), a pending index of leases that still need a revocation, a
// token index so revoking a token finds its leases, and a folder index
// for listings and prefix revocations.
//
// A lease id holds its mount path and role ("db/creds/readonly/<id>") and
// a token accessor is a handle on a token, so neither shows in a pebble
// key (issue 10, item 10). Every key names a lease by the barrier's keyed
// HMAC of its id, in hex; the id is inside the sealed record:
//
//	lease/<hmac id>                     sealed State (PutJSON)
//	lexp/<expiry, 8 bytes><hmac id>     empty; active leases
//	lpend/<hmac id>                     empty; leases awaiting revocation
//	ltok/<hmac accessor><hmac id>       empty; live leases of a token
//	lfold/<hmac folder><hmac id>        empty; every lease under a folder
//
// An index scan ends each key with the lease's hash and opens the record
// to learn its id. A prefix revocation or listing names a folder, as
// Vault's does (a prefix without a trailing '/' is a lease id or the
// folder of that name), so ids need no prefix scan in plaintext.
package leasestore
