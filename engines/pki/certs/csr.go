package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
)

// CreateCSR makes a certificate signing request for key with p's subject
// and names (intermediate/generate, intermediate/cross-sign). With
// addBasicConstraints the CSR asks for CA:TRUE (add_basic_constraints).
func CreateCSR(random io.Reader, p Params, key *PrivateKey, addBasicConstraints bool) (*x509.CertificateRequest, error) {
	tmpl := &x509.CertificateRequest{
		Subject:            p.Subject,
		DNSNames:           p.DNSNames,
		EmailAddresses:     p.EmailAddresses,
		IPAddresses:        p.IPAddresses,
		URIs:               p.URIs,
		SignatureAlgorithm: signatureAlgorithm(key.Signer.Public(), p),
	}
	if len(p.OtherSANs) > 0 {
		ext, err := subjectAltNameWithOthers(p.OtherSANs, p.DNSNames, p.EmailAddresses, p.IPAddresses, p.URIs)
		if err != nil {
			return nil, fmt.Errorf("pki: error marshaling other SANs: %w", err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext)
	}
	if addBasicConstraints {
		type basicConstraints struct {
			IsCA       bool `asn1:"optional"`
			MaxPathLen int  `asn1:"optional,default:-1"`
		}
		val, err := asn1.Marshal(basicConstraints{IsCA: true, MaxPathLen: -1})
		if err != nil {
			return nil, fmt.Errorf("pki: error marshaling basic constraints: %w", err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidBasicConstraints, Value: val, Critical: true})
	}
	der, err := x509.CreateCertificateRequest(random, tmpl, key.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to create CSR: %w", err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to parse created CSR: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("pki: failed signature validation for CSR: %w", err)
	}
	return csr, nil
}

// CSRPEM is a CSR as Vault's csr field holds it.
func CSRPEM(csr *x509.CertificateRequest) string {
	return pemString("CERTIFICATE REQUEST", csr.Raw)
}

// ParseCSR reads the csr field of sign/:role, sign-verbatim and
// root/sign-intermediate with Vault's refusals: empty, not PEM, not a CSR,
// or a public key Go cannot read (rsaPSS keys, for instance). The CSR's
// own signature is checked when it is signed (SignCSR), as Vault does.
func ParseCSR(csrPEM string) (*x509.CertificateRequest, error) {
	if csrPEM == "" {
		return nil, Refusef(`"csr" is empty`)
	}
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil {
		return nil, Refusef("csr contains no data")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, Refusef("certificate request could not be parsed: %v", err)
	}
	if csr.PublicKeyAlgorithm == x509.UnknownPublicKeyAlgorithm || csr.PublicKey == nil {
		return nil, Refusef("Refusing to sign CSR with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.")
	}
	return csr, nil
}

// CSRHasBasicConstraints reports whether a CSR asks for basic constraints
// (Vault warns that a leaf ignores them).
func CSRHasBasicConstraints(csr *x509.CertificateRequest) bool {
	for _, ext := range csr.Extensions {
		if ext.Id.Equal(oidBasicConstraints) {
			return true
		}
	}
	return false
}
