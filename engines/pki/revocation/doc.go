// Package revocation builds what the PKI engine publishes about revoked
// certificates: complete and delta CRLs (x509.CreateRevocationList) and
// OCSP responses (golang.org/x/crypto/ocsp), with config/crl's values and
// checks.
//
// It is pure: the revoked entries, the issuers, the CRL number and the
// time come from the caller; nothing is stored or read here. The engine
// keeps the revocation list as events and calls BuildCRL when it rebuilds
// (on revoke, crl/rotate, or the auto-rebuild timer) and Answer on every
// OCSP request.
//
// Behaviour follows Vault's PKI engine (OpenBao crl_util.go, path_ocsp.go,
// path_config_crl.go): a complete CRL carries the delta CRL locations in a
// Freshest CRL extension, a delta CRL carries a critical Delta CRL
// Indicator naming its base; an OCSP request for an unrevoked serial is
// answered "good", for a serial of an issuer this mount does not know
// "unknown" signed by the default issuer; malformed requests, a disabled
// responder and issuers without an OCSP-capable key get the RFC 6960
// error responses with Vault's HTTP statuses. Tidy decides which expired
// certificates and revocation entries a tidy run forgets.
package revocation
