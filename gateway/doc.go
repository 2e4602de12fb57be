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
//  3. route to a mount and a path entry; decide create vs update;
//  4. authenticate the token and check the ACL (sudo for root paths);
//  5. audit: writes append their request record before they run; every
//     request appends its response record before the response is sent.
//     Reads append request and response together at the end (nothing has
//     left the server before that). No record, no response (503).
package gateway
