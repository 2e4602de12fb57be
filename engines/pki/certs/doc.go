// Package certs is the X.509 core of the PKI engine: key generation, CSRs,
// self-signed roots, leaf and intermediate signing, self-issued and cross
// signing, the set-signed import of a signed intermediate, CA chain
// assembly, the AIA/CRL/OCSP URLs written into certificates, and the
// response shapes (pem, der, pem_bundle) Vault returns.
//
// It is pure: the standard library and golang.org/x/crypto only, nothing
// from Coffer, no storage and no clock of its own (every time is passed
// in). The engine seals private keys and records events; this package only
// computes.
//
// # Errors
//
// A request the caller got wrong is a *Refusal: its message is Vault's own
// text (clients and scripts match on it), and it satisfies
// errors.Is(err, ErrRefused), which the engine maps to HTTP 400. Any other
// error is internal (500).
//
// # Behaviour followed
//
// Vault's PKI engine (read in OpenBao's builtin/logical/pki and
// sdk/helper/certutil): serial numbers are 159 random bits; leaf NotBefore
// is now minus not_before_duration (default 30s); ECDSA issuers sign with
// the hash matching their curve; RSA keys below 2048 bits are refused;
// private keys are returned as PKCS#1 (rsa), SEC 1 (ec) or PKCS#8
// (ed25519) PEM, with private_key_type rsa, ec or ed25519.
//
// # Cost
//
// Issuing an EC P-256 leaf (key generation and signing) costs about 135
// µs of CPU here (BenchmarkIssueLeafP256, cpu-µs/op). Certificates are
// signed once, without crypto/x509's re-verification of its own signature
// (createCertificate), which was 45% of that; an Issuer caches the PEM of
// its certificate and chain for the responses of every leaf it signs.
package certs
