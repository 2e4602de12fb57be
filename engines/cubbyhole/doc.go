// Package cubbyhole is Vault's cubbyhole secrets engine, mounted once at
// cubbyhole/ (as in Vault, it cannot be enabled, disabled or moved), and
// response wrapping: the gateway's X-Vault-Wrap-TTL hook stores wrapped
// responses through commands/cubbyhole, and this module serves
// sys/wrapping/{wrap,unwrap,lookup,rewrap}.
//
// Each token has its own cubbyhole: cubbyhole/<path> reads, writes, lists
// and deletes entries of the caller's token only, so no policy can reach
// another token's. Entries are sealed under the cubbyhole's data key and
// gone with the token: a sweeper (a singleton service, woken by every
// token.revoked and run every SweepInterval for tokens that expired)
// erases the cubbyholes of tokens that are no longer live, and erasing
// destroys the key, so the entries left in the ledger cannot be opened.
//
// sys/wrapping/unwrap and sys/wrapping/lookup are unauthenticated, as
// Vault's lookup is: the wrapping token is the credential, given in the
// body ("token") or as the request's token. Unwrap never runs through the
// gateway's use-spending (that would revoke the token, and erase its
// cubbyhole, before the response was read): it reads the response, then
// spends the single use and erases the cubbyhole in one ledger message.
//
// Differences from Vault: batch tokens have no cubbyhole; wrapping tokens
// are always opaque tokens (no JWT format); the audit record of a wrapped
// response does not show its wrap_info (the token.created and
// cubbyhole.written events of the wrapping token are its trace).
package cubbyhole
