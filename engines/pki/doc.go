// Package pki is the PKI secrets engine: an internal certificate
// authority speaking Vault's PKI API. A mount holds keys and issuers
// (root/generate, intermediate/generate and set-signed, root/rotate,
// cross-sign, issuers and keys by reference), roles, and the
// certificates it issued (issue, sign, sign-verbatim), which it revokes
// (revoke, CRLs, an OCSP responder) and tidies.
//
// The x509 work is in the pure packages below it: policy decides what a
// role lets a request have, certs builds and signs certificates, and
// revocation builds CRLs and OCSP answers. State changes go through the
// command bus (commands/pki): every key, issuer, role, issuance and
// revocation is an event (events/pkievent), and CA private keys are
// sealed under per-key data keys; a leaf's private key is never stored.
//
// # Hot path
//
// issue/:role reads its role and issuer from an in-memory cache of opened
// issuers and parsed roles (dropped when the mount or the role aggregate
// changes, see Invalidate), generates the key and signs outside any lock,
// and appends one pki.cert_issued event, on the certificate's own
// aggregate (a fresh serial), so issuances never conflict.
//
// # CRLs
//
// CRLs are built on demand from the revocation entries of the read model
// and cached per issuer under the mount's CRL number, which every
// revocation and crl/rotate advances in the projection: every node builds
// the same number for the same list, and no CRL build needs an event of
// its own. With auto_rebuild the complete CRL is pinned at the last
// rotation (pki.crl_rotated) and, with enable_delta, delta CRLs list what
// was revoked since; revocation/numbers.go keeps complete and delta
// numbers in one growing sequence.
//
// # Background work
//
// One elected service (maintenance.go) looks at every PKI mount every
// 15 seconds: it rotates CRLs whose auto_rebuild grace period has come and
// runs config/auto-tidy when due. Both are recorded as events, so the
// next elected node knows when the last run was.
package pki
