// Package token is Vault's token auth method, mounted at auth/token/, and
// the gateway's token resolver.
//
// Paths (relative to the mount), with Vault's request and response shapes:
//
//	create, create-orphan            token creation (Response.Auth)
//	create/<role>                    refused: token roles are not supported
//	lookup, lookup-self              token properties, with "id"
//	lookup-accessor                  the same by accessor, "id" empty
//	renew, renew-self, renew-accessor
//	revoke, revoke-self              the token and all its descendants
//	revoke-orphan                    the token alone; children become orphans (sudo)
//	revoke-accessor
//	accessors/                       LIST every live token's accessor (sudo)
//	tidy                             revoke expired tokens (reclaims space only)
//
// The Resolver turns the raw token of each request into a framework.Caller
// with one keyed hash and one pebble read; it refuses unknown, revoked and
// expired tokens (expiry is checked on every use, so nothing needs to sweep
// for a token to stop working). Use, called after the ACL check, reads the
// record once more and appends only for a limited-use token, spending one
// of its uses.
//
// EnsureRoot creates dev mode's root token once; a restart with the same
// data directory finds it again.
//
// Differences from Vault: only service tokens (no batch tokens), no token
// roles, entity aliases, bound CIDRs, namespaces or cubbyholes; custom ids
// are hashed with the same keyed HMAC as generated tokens. On the request
// that spends a limited-use token's last use the token is already revoked
// when the handler runs, so lookup-self on that request answers "bad
// token" where Vault would still describe it. Warnings about policies that
// do not exist are not given.
package token
