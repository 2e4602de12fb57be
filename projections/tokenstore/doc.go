// Package tokenstore is the read model of Coffer's service tokens: one
// sealed record per live token, an accessor index and a parent->children
// index, built by applying the token.* events.
//
// A token is never stored or named by its raw value. Its identity is
// Hash(barrier, raw): an HMAC-SHA256 under a key derived from the keyring's
// audit key, in hex. That hash is the aggregate id of the token's events
// and the pebble key of its record, so a stolen projections directory does
// not yield usable tokens, and the raw token never appears in events, keys
// or values.
//
// Layout (all under "tok/"):
//
//	tok/id/<hash>                 barrier-sealed JSON Token (AAD = the key)
//	tok/acc/<hmac(accessor)>      token hash
//	tok/child/<parent>/<child>    empty; one entry per live child
//
// Records are sealed because policies, metadata and accessors are not for
// anyone who can read the disk. A revoked token's record, accessor entry and
// its entry under its parent are deleted; its own children entries are
// left for revocation to find stragglers (a child created concurrently with
// its parent's revocation, see commands/token).
//
// Expiry needs no sweep: Token.Deadline is the earliest of the token's own
// expiry and its ancestors' (Vault revokes a token's children when it
// expires), kept current by cascading renewals and orphanings down the
// children index, and readers refuse a token past its deadline.
package tokenstore
