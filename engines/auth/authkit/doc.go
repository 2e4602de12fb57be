// Package authkit holds what Coffer's auth methods share and what the core
// receives from them.
//
// A login returns an Auth block (Vault's logical.Auth, reduced to what the
// core needs to mint a token): policies, metadata, alias, TTLs, period,
// use count, bound CIDRs and token type. The method never mints the token
// itself; the core does, as in Vault.
//
// A refusal is an *Error: the HTTP status and the message Vault answers
// with, a package sentinel to match with errors.Is, and an internal cause
// for the operator's log that never reaches the client. Messages never hold
// a credential (JWT, secret ID, password).
//
// RawFields applies Vault's field coercions (durations as "1h" or seconds,
// comma-separated or JSON lists, "true"/1 booleans) to a decoded JSON body;
// it is what tests and the phase-1 packages use until the declarative field
// parser of the module shape supplies the same Fields interface.
//
// The CIDR helpers follow Vault's cidrutil and parseutil.ParseAddrs, the
// glob matcher Vault's strutil.StrListContainsGlob.
package authkit
