// Package shamir splits Coffer's unseal key into shares and puts it back
// together, the way Vault's shamir package does, and provides the seal and
// the share collector that a Shamir-sealed server uses.
//
// # Shares
//
// Split and Combine implement Shamir's secret sharing over GF(2^8) with the
// AES field polynomial x^8+x^4+x^3+x+1, byte by byte. A share is
// len(secret)+1 bytes: the polynomial values for every byte of the secret
// followed by the share's x-coordinate. This is Vault's layout and field, so
// shares are interchangeable with Vault's implementation (the tests combine
// shares published from real Vault runs). Shares travel hex-encoded ("keys")
// and base64-encoded ("keys_base64"); ParseShare accepts either.
//
// No Go module on the module proxy offers a small, maintained Shamir
// implementation (Vault's lives inside the whole vault module; OpenBao's sdk
// is not served), so the arithmetic is written here. It uses no lookup
// tables: multiplication is a fixed eight-step shift-and-add and inversion a
// fixed chain of multiplications, so the time taken does not depend on the
// secret bytes (Vault masks the zero cases of table lookups for the same
// reason, but the lookups themselves still touch secret-indexed memory).
//
// One share of one (threshold 1, parts 1) is allowed, as Vault allows it:
// the polynomial has degree zero, so the share is the secret followed by an
// x-coordinate. Vault hands out the bare key in that case; Coffer keeps the
// share layout uniform instead.
//
// # Sealing
//
// Seal implements ledger.Seal: the combined unseal key encrypts the root key
// with AES-256-GCM. Unsealer collects shares one request at a time with
// Vault's sys/unseal semantics (progress, nonce, reset, duplicate refusal)
// and verifies the combined key before reporting success.
package shamir
