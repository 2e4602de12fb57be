// Package cubbyholeevent is the event schema of the cubbyhole engine: one
// private key/value store per token (aggregate Kind, id = the token's hash,
// as tokenevent names tokens).
//
// Nothing in a payload is readable without the cubbyhole's own data key:
// an entry is named by a barrier HMAC of its path, and its path and value
// are sealed together under the data key (ledger.SealWith). Erasing the
// cubbyhole destroys that key, so once its token is gone the entries in
// the immutable ledger cannot be read back even with the unseal keys.
// Response-wrapping tokens keep the wrapped response in their cubbyhole
// under "response".
package cubbyholeevent
