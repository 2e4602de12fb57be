// Package gateway is Coffer's HTTP server: Vault's /v1 API, envelope and
// error shapes, mount routing by longest prefix, authentication, the ACL
// check, request limits and the audit trail.
//
// The order of one request is fixed and security-relevant:
//
//  1. limits: body size (413 above the limit), JSON depth, string length and
//     entry counts, checked on the token stream before decoding;
//  2. canonicalise the path once (reject "..", ".", empty segments, NUL,
//     backslash, invalid UTF-8 and encoded "." or "/"); every later step
//     sees only the canonical path;
//  3. route to a mount and a path entry; decide create vs update; wait
//     for the consistency the client asked for (consistency.go: an
//     X-Vault-Index or a strong read), so that a token minted on another
//     node is known, its refusal (412, 503) reported only after step 4;
//  4. authenticate the token and check the ACL (sudo for root paths);
//  5. audit: one request, one commit (commands/audit.go). The request
//     record rides in the request's first ledger message: with its events
//     for a write (a KV write's events wait for the response record and
//     all three are one message), with the response record for a request
//     that appended nothing (reads, transit). Code about to act outside
//     the ledger (a lease revocation dropping a database role) stores the
//     request record first (Bus.AuditNow). The response record is stored
//     before the response is sent. No record, no response (503), and a
//     write whose response record could not be stored is not stored.
package gateway
