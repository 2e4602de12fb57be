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
// The trail of a wrap is the wrapping token's token.created and
// cubbyhole.written events (nothing readable without the cubbyhole's key)
// and the response audit record's wrap_info (token and accessors as
// HMACs); of an unwrap, the token's use_spent and revoked events, the
// cubbyhole.erased event and the request's audit records.
//
// Differences from Vault: batch tokens have no cubbyhole; wrapping tokens
// are always opaque tokens (no JWT format, X-Vault-Wrap-Format is
// ignored); a wrapping token has no grant of its own, so reading
// cubbyhole/response with it (the pre-0.6.2 way to unwrap) is refused:
// sys/wrapping/unwrap is the way. Should the node die between an unwrap's
// commit and queueing its data key for destruction, the key outlives the
// entries (no read model names them any more).
package cubbyhole
