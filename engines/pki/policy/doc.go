// Package policy decides what a PKI role lets a request have: the pure
// function between a role, a request and the mount's limits on one side
// and the parameters of a certificate (certs.Params) or Vault's refusal on
// the other. It holds no state and reads no clock: the caller passes the
// time, the mount TTLs and the issuer.
//
// The decisions follow Vault's PKI engine (read in OpenBao's
// builtin/logical/pki: cert_util.go generateCreationBundle, validateNames,
// getCertificateNotAfter, signCert): the same order of checks, the same
// defaults (DefaultRole) and the same messages, because clients and
// scripts match on them. Refusals are certs.Refusal values
// (certs.IsRefusal: HTTP 400).
//
// Entry points: DecideIssue (issue/:role), DecideSign (sign/:role),
// DecideSignVerbatim (sign-verbatim), DecideRoot (root/generate),
// DecideIntermediateCSR (intermediate/generate, cross-sign) and
// DecideSignIntermediate (root/sign-intermediate). Role.Normalize is the
// validation of a roles/:name write.
//
// Not covered: {{identity...}} templating of allowed_domains and
// allowed_uri_sans (out of scope for Coffer), allow_token_displayname,
// user ids, policy identifiers and CEL roles.
package policy
