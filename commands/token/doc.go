// Package token decides what happens to Coffer's service tokens: creation
// (Vault's policy-subset, orphan, sudo and TTL rules), renewal, spending a
// use of a limited-use token, and revocation of a whole tree or of one
// token whose children become orphans.
//
// The Plan* and Decide* functions are pure: they take token records from
// projections/tokenstore and return payloads or events, and are tested
// without a ledger. The Exec helpers (Create, Renew, Use, RevokeTree,
// RevokeOrphan, CreateRoot) load state, call the decide function through
// commands.Bus and handle what the bus cannot: a child created while its
// parent was being revoked.
//
// Every event names its token by hash (the aggregate id) and accessor,
// never by the raw token. A cascade is one append: one token.revoked event
// per token, children before parents, each fenced on its token's version,
// so a concurrent renewal or use of any member makes the whole revocation
// decide again. A child created concurrently with its parent's revocation
// is caught either way: if its creation lands after the revocation the
// projection drops it and Create fails; if before, RevokeTree finds it
// under the revoked parent afterwards and revokes it in a follow-up round.
//
// TTL arithmetic follows Vault's framework.CalculateTTL: the effective max
// is the mount's max TTL or explicit_max_ttl, whichever is lower, counted
// from the creation time; a periodic token gets its period on every
// renewal, capped only by explicit_max_ttl. A parent's remaining lifetime
// does not cap a child's TTL, but a child stops working when an ancestor
// does (see tokenevent.Token.Deadline).
package token
