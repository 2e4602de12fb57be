package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
)

// IsSelfSigned reports whether cert signed itself (a root).
func IsSelfSigned(cert *x509.Certificate) bool {
	if !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		return false
	}
	if len(cert.AuthorityKeyId) > 0 && !bytes.Equal(cert.AuthorityKeyId, cert.SubjectKeyId) {
		return false
	}
	return cert.CheckSignatureFrom(cert) == nil
}

// BuildChain assembles an issuer's parents from the certificates a mount
// knows (its other issuers): from cert upward, each step the certificate
// whose subject is the issuer's name and whose key verifies the signature,
// until a self-signed root or no known parent. The result excludes cert
// itself; Issuer.FullChain adds it, which is Vault's ca_chain.
func BuildChain(cert *x509.Certificate, known []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	seen := map[string]bool{string(cert.Raw): true}
	cur := cert
	for !IsSelfSigned(cur) {
		parent := findParent(cur, known, seen)
		if parent == nil {
			break
		}
		chain = append(chain, parent)
		seen[string(parent.Raw)] = true
		cur = parent
	}
	return chain
}

func findParent(child *x509.Certificate, known []*x509.Certificate, seen map[string]bool) *x509.Certificate {
	for _, k := range known {
		if seen[string(k.Raw)] || !bytes.Equal(k.RawSubject, child.RawIssuer) {
			continue
		}
		if len(child.AuthorityKeyId) > 0 && len(k.SubjectKeyId) > 0 && !bytes.Equal(child.AuthorityKeyId, k.SubjectKeyId) {
			continue
		}
		if child.CheckSignatureFrom(k) == nil {
			return k
		}
	}
	return nil
}

// Import is a parsed PEM bundle for set-signed and issuers/import: CA
// certificates, and private keys where the path allows them.
type Import struct {
	Certs []*x509.Certificate
	Keys  []*PrivateKey
}

// ParseImport reads a set-signed certificate or an import pem_bundle with
// Vault's refusals. keysAllowed is false for set-signed and
// issuers/import/cert.
func ParseImport(bundle string, keysAllowed bool) (*Import, error) {
	if len(bundle) < 75 {
		return nil, Refusef("provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file")
	}
	rest := []byte(bundle)
	out := &Import{}
	var keyBlocks []*pem.Block
	for n := 1; len(bytes.TrimSpace(rest)) > 0; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, Refusef("error when parsing block %d: invalid PEM data", n)
		}
		switch block.Type {
		case "CERTIFICATE", "X509 CERTIFICATE":
			der := block.Bytes
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, Refusef("Error parsing issuer %v: %v\n%v", len(out.Certs), err, strings.TrimSpace(string(pem.EncodeToMemory(block))))
			}
			if !cert.BasicConstraintsValid || !cert.IsCA {
				return nil, Refusef("Error parsing issuer %v: Refusing to import non-CA certificate\n%v", len(out.Certs), pemString("CERTIFICATE", der))
			}
			if cert.PublicKeyAlgorithm == x509.UnknownPublicKeyAlgorithm || cert.PublicKey == nil {
				return nil, Refusef("Error parsing issuer %v: Refusing to import CA certificate with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.\n%v", len(out.Certs), pemString("CERTIFICATE", der))
			}
			if !containsCert(out.Certs, cert) {
				out.Certs = append(out.Certs, cert)
			}
		case "CRL", "X509 CRL", "EC PARAMS", "EC PARAMETERS":
			// Vault skips CRLs and EC parameter blocks.
		default:
			keyBlocks = append(keyBlocks, block)
		}
	}
	if len(keyBlocks) > 0 && !keysAllowed {
		return nil, Refusef("private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle")
	}
	for i, block := range keyBlocks {
		if strings.Contains(block.Type, "ENCRYPTED") {
			return nil, Refusef("Error parsing key %v: Encrypted private key given; provide only decrypted private key in the bundle", i)
		}
		k, err := ParsePrivateKeyDER(block.Bytes)
		if err != nil {
			return nil, Refusef("Error parsing key %v: %v", i, err)
		}
		out.Keys = append(out.Keys, k)
	}
	return out, nil
}

func containsCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range list {
		if bytes.Equal(x.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// ErrNoMatchingKey is matched when set-signed is given no certificate for
// the key its mount is waiting for.
var ErrNoMatchingKey = errors.New("pki: no imported certificate matches a key of this mount")

// MatchKeys pairs each imported certificate with the index of the key (of
// keys, the mount's known public keys: the pending intermediate key among
// them) whose public half it carries, or -1. This is how set-signed turns
// a signed intermediate into an issuer that can sign: Vault's import keys
// an issuer by comparing public keys.
func MatchKeys(certs []*x509.Certificate, keys []crypto.PublicKey) []int {
	out := make([]int, len(certs))
	for i, c := range certs {
		out[i] = -1
		for j, k := range keys {
			if PublicKeysEqual(c.PublicKey, k) {
				out[i] = j
				break
			}
		}
	}
	return out
}

// SetSigned validates intermediate/set-signed: the bundle must hold CA
// certificates only (no keys), at least one of which carries a key in
// keys (the pending intermediate key). It returns the certificates, their
// key indexes (MatchKeys) and, for the first matching one, its chain
// assembled from the rest of the bundle and the mount's other issuers.
func SetSigned(bundle string, keys []crypto.PublicKey, known []*x509.Certificate) (*SignedIntermediate, error) {
	imp, err := ParseImport(bundle, false)
	if err != nil {
		return nil, err
	}
	match := MatchKeys(imp.Certs, keys)
	out := &SignedIntermediate{Certs: imp.Certs, KeyIndex: match, Issuer: -1}
	for i, m := range match {
		if m >= 0 {
			out.Issuer = i
			break
		}
	}
	if out.Issuer < 0 {
		return nil, refuseAs(ErrNoMatchingKey, "the provided certificate does not match any key of this mount; set-signed expects the certificate signed from this mount's intermediate CSR")
	}
	pool := append(append([]*x509.Certificate(nil), imp.Certs...), known...)
	out.Chain = BuildChain(imp.Certs[out.Issuer], pool)
	return out, nil
}

// SignedIntermediate is the outcome of SetSigned.
type SignedIntermediate struct {
	Certs []*x509.Certificate
	// KeyIndex[i] is the index into keys of Certs[i]'s key, or -1.
	KeyIndex []int
	// Issuer indexes the first certificate with a key: the new issuer.
	Issuer int
	// Chain is that issuer's parents (BuildChain).
	Chain []*x509.Certificate
}

// CertPEM is a certificate as Vault's certificate fields hold it.
func CertPEM(c *x509.Certificate) string { return pemString("CERTIFICATE", c.Raw) }

// ParseCertPEM reads exactly one PEM certificate.
func ParseCertPEM(s string) (*x509.Certificate, error) {
	block, extra := pem.Decode([]byte(s))
	if block == nil {
		return nil, Refusef("unable to parse certificate: invalid PEM")
	}
	if len(bytes.TrimSpace(extra)) > 0 {
		return nil, Refusef("unable to parse certificate: trailing PEM data")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, Refusef("unable to parse certificate: %v", err)
	}
	return c, nil
}
