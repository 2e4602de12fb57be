// Package acme is the protocol core of the PKI engine's ACME server (RFC
// 8555): JWS request verification, replay nonces, the account, order,
// authorization and challenge state machine, http-01 validation, and
// finalization from a CSR. It knows nothing of Coffer's storage or
// policy: the engine supplies a Store (the ledger-backed one, or MemStore),
// an Issue function (role policy and signing) and an identifier policy.
//
// Server.Handle takes a neutral Request (method, path below the ACME
// base, headers, body) and returns a Response (status, headers, body), so
// the gateway can route raw HTTP to it; Server.ServeHTTP adapts it to
// net/http directly.
//
// Supported: directory, new-nonce, new-account (with onlyReturnExisting),
// account (read, deactivate), new-order (dns identifiers), authz, chall
// (http-01), order, finalize, cert. Accounts sign with ES256/ES384/ES512,
// RS256 or EdDSA. Not supported (refused with Vault-like problems): dns-01
// and tls-alpn-01 challenges (so wildcard identifiers), ip identifiers,
// external account binding, key-change and revoke-cert.
//
// http-01 validation runs synchronously when the client accepts the
// challenge, so a client's first poll sees the final state. Nonces are
// node-local and single-use, as in Vault.
package acme
