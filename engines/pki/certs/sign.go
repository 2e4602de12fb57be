package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Issuer is a CA that signs: its certificate, its key, and the chain above
// it (nearest parent first, the root last if known).
type Issuer struct {
	Cert   *x509.Certificate
	Signer crypto.Signer
	Chain  []*x509.Certificate

	// pems caches the PEM of Cert and of FullChain, which every response
	// of a busy issuer repeats. Set Cert and Chain before first use.
	pemsOnce sync.Once
	pems     issuerPEMs
}

type issuerPEMs struct {
	cert  string
	chain []string
}

func (i *Issuer) cachedPEMs() issuerPEMs {
	i.pemsOnce.Do(func() {
		i.pems.cert = CertPEM(i.Cert)
		for _, c := range i.FullChain() {
			i.pems.chain = append(i.pems.chain, CertPEM(c))
		}
	})
	return i.pems
}

// FullChain is the issuer followed by its parents: what Vault returns as
// ca_chain for certificates this issuer signs.
func (i *Issuer) FullChain() []*x509.Certificate {
	out := make([]*x509.Certificate, 0, 1+len(i.Chain))
	out = append(out, i.Cert)
	for _, c := range i.Chain {
		if !bytes.Equal(c.Raw, i.Cert.Raw) {
			out = append(out, c)
		}
	}
	return out
}

// Issued is a certificate just made, with what a response needs.
type Issued struct {
	Cert *x509.Certificate
	// Key is the generated private key; nil when a CSR was signed.
	Key *PrivateKey
	// IssuingCA is the signer's certificate (the certificate itself for a
	// self-signed root).
	IssuingCA *x509.Certificate
	// CAChain is Vault's ca_chain: the issuer and its parents; empty for a
	// root.
	CAChain []*x509.Certificate

	// issuer signed it, when an issuer did (its PEM cache serves
	// issuing_ca and ca_chain).
	issuer *Issuer
	// pem is Cert's PEM once PEM has encoded it.
	pem string
}

// PEM is the certificate's PEM, encoded once for both the response and
// the issuance record. An Issued belongs to one request: not safe for
// concurrent use.
func (is *Issued) PEM() string {
	if is.pem == "" {
		is.pem = CertPEM(is.Cert)
	}
	return is.pem
}

// ErrNoSigner is returned when an issuer has no key to sign with.
var ErrNoSigner = errors.New("pki: issuer has no private key")

// SelfSign makes a self-signed root CA certificate for key.
func SelfSign(random io.Reader, p Params, key *PrivateKey) (*Issued, error) {
	p.IsCA = true
	tmpl, err := template(random, p, key.Signer.Public())
	if err != nil {
		return nil, err
	}
	tmpl.AuthorityKeyId = tmpl.SubjectKeyId
	tmpl.SignatureAlgorithm = signatureAlgorithm(key.Signer.Public(), p)
	der, err := createCertificate(random, tmpl, tmpl, key.Signer.Public(), key.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to parse created certificate: %w", err)
	}
	return &Issued{Cert: cert, Key: key, IssuingCA: cert}, nil
}

// IssueWithKey signs a certificate for a key the engine generated (the
// issue path and CA generation), returning the key with it.
func IssueWithKey(random io.Reader, p Params, key *PrivateKey, iss *Issuer) (*Issued, error) {
	out, err := signPublicKey(random, p, key.Signer.Public(), iss, nil)
	if err != nil {
		return nil, err
	}
	out.Key = key
	return out, nil
}

// SignCSR signs a CSR's public key (sign/:role, sign-verbatim,
// root/sign-intermediate). With useCSRValues the CSR's subject, names and
// extensions are copied verbatim (all but basic constraints, and the SAN
// extension when other SANs are set); otherwise p decides them.
func SignCSR(random io.Reader, p Params, csr *x509.CertificateRequest, iss *Issuer, useCSRValues bool) (*Issued, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, Refusef("request signature invalid")
	}
	var verbatim func(*x509.Certificate)
	if useCSRValues {
		verbatim = func(t *x509.Certificate) {
			t.RawSubject = csr.RawSubject
			t.DNSNames = csr.DNSNames
			t.EmailAddresses = csr.EmailAddresses
			t.IPAddresses = csr.IPAddresses
			t.URIs = csr.URIs
			for _, ext := range csr.Extensions {
				if ext.Id.Equal(oidBasicConstraints) {
					continue
				}
				if len(p.OtherSANs) > 0 && ext.Id.Equal(OIDSubjectAltName) {
					continue
				}
				t.ExtraExtensions = append(t.ExtraExtensions, ext)
			}
		}
	}
	return signPublicKey(random, p, csr.PublicKey, iss, verbatim)
}

func signPublicKey(random io.Reader, p Params, pub crypto.PublicKey, iss *Issuer, adjust func(*x509.Certificate)) (*Issued, error) {
	if iss == nil || iss.Cert == nil {
		return nil, errors.New("pki: no issuer given to sign with")
	}
	if iss.Signer == nil {
		return nil, ErrNoSigner
	}
	if p.IsCA && iss.Cert.MaxPathLen == 0 && iss.Cert.MaxPathLenZero {
		return nil, Refusef("signing certificate has a max path length of zero, and cannot issue further CA certificates")
	}
	tmpl, err := template(random, p, pub)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(tmpl)
	}
	tmpl.AuthorityKeyId = iss.Cert.SubjectKeyId
	tmpl.SignatureAlgorithm = signatureAlgorithm(iss.Signer.Public(), p)
	der, err := createCertificate(random, tmpl, iss.Cert, pub, iss.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to parse created certificate: %w", err)
	}
	return &Issued{Cert: cert, IssuingCA: iss.Cert, CAChain: iss.FullChain(), issuer: iss}, nil
}

// template turns Params into the x509 template, Vault's way: key usages
// restricted for CAs, AIA and CRL URLs, other SANs, path length.
func template(random io.Reader, p Params, pub crypto.PublicKey) (*x509.Certificate, error) {
	if p.NotAfter.IsZero() || p.NotBefore.IsZero() {
		return nil, errors.New("pki: NotBefore and NotAfter must be set")
	}
	if p.NotBefore.After(p.NotAfter) {
		return nil, Refusef("The certificate's Not Before (%v) is later than the certificate's Not After (%v)",
			p.NotBefore.UTC().Format(time.RFC3339Nano), p.NotAfter.UTC().Format(time.RFC3339Nano))
	}
	if p.NotBefore.Equal(p.NotAfter) {
		return nil, Refusef("The certificate's Not Before (%v) is equal to the certificate's Not After (%v)",
			p.NotBefore.UTC().Format(time.RFC3339Nano), p.NotAfter.UTC().Format(time.RFC3339Nano))
	}
	serial := p.Serial
	if serial == nil {
		var err error
		if serial, err = NewSerial(random); err != nil {
			return nil, err
		}
	}
	skid := p.SKID
	if len(skid) == 0 {
		var err error
		if skid, err = SubjectKeyID(pub); err != nil {
			return nil, err
		}
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               p.Subject,
		NotBefore:             p.NotBefore,
		NotAfter:              p.NotAfter,
		SubjectKeyId:          skid,
		DNSNames:              p.DNSNames,
		EmailAddresses:        p.EmailAddresses,
		IPAddresses:           p.IPAddresses,
		URIs:                  p.URIs,
		ExtKeyUsage:           p.ExtKeyUsage.List(),
		UnknownExtKeyUsage:    p.ExtKeyUsageOIDs,
		IssuingCertificateURL: p.URLs.IssuingCertificates,
		CRLDistributionPoints: p.URLs.CRLDistributionPoints,
		OCSPServer:            p.URLs.OCSPServers,
	}
	if len(p.OtherSANs) > 0 {
		ext, err := subjectAltNameWithOthers(p.OtherSANs, p.DNSNames, p.EmailAddresses, p.IPAddresses, p.URIs)
		if err != nil {
			return nil, fmt.Errorf("pki: error marshaling other SANs: %w", err)
		}
		t.ExtraExtensions = append(t.ExtraExtensions, ext)
	}
	if len(p.URLs.DeltaCRLDistributionPoints) > 0 {
		ext, err := FreshestCRLExtension(p.URLs.DeltaCRLDistributionPoints)
		if err != nil {
			return nil, err
		}
		t.ExtraExtensions = append(t.ExtraExtensions, ext)
	}
	if p.IsCA {
		// Only certificate and CRL signing (and digital signature when
		// asked) belong on a CA certificate.
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | p.KeyUsage&x509.KeyUsageDigitalSignature
		t.BasicConstraintsValid = true
		t.IsCA = true
		if p.MaxPathLength == 0 {
			t.MaxPathLenZero = true
		} else {
			t.MaxPathLen = p.MaxPathLength
		}
		if len(p.PermittedDNSDomains) > 0 {
			t.PermittedDNSDomains = p.PermittedDNSDomains
			t.PermittedDNSDomainsCritical = true
		}
	} else {
		t.KeyUsage = p.KeyUsage
		if p.BasicConstraintsValidForNonCA {
			t.BasicConstraintsValid = true
		}
	}
	return t, nil
}

// signatureAlgorithm picks the signature for a signer: RSA by
// signature_bits (PSS on request), ECDSA by the signer's curve (Vault's
// choice, following NIST and Mozilla policy), Ed25519 pure.
func signatureAlgorithm(signerPub crypto.PublicKey, p Params) x509.SignatureAlgorithm {
	switch k := signerPub.(type) {
	case *rsa.PublicKey:
		switch {
		case p.UsePSS && p.SignatureBits == 384:
			return x509.SHA384WithRSAPSS
		case p.UsePSS && p.SignatureBits == 512:
			return x509.SHA512WithRSAPSS
		case p.UsePSS:
			return x509.SHA256WithRSAPSS
		case p.SignatureBits == 384:
			return x509.SHA384WithRSA
		case p.SignatureBits == 512:
			return x509.SHA512WithRSA
		}
		return x509.SHA256WithRSA
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P384():
			return x509.ECDSAWithSHA384
		case elliptic.P521():
			return x509.ECDSAWithSHA512
		}
		return x509.ECDSAWithSHA256
	case ed25519.PublicKey:
		return x509.PureEd25519
	}
	return x509.UnknownSignatureAlgorithm
}

// SubjectKeyID is RFC 5280 4.2.1.2 method 1, as Vault computes it: the
// SHA-1 of the subjectPublicKey BIT STRING (PKCS#1 for RSA, the point for
// ECDSA, the raw key for Ed25519).
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	var bits []byte
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		b, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("pki: error getting subject key ID: %w", err)
		}
		bits = b
	case *rsa.PublicKey:
		bits = x509.MarshalPKCS1PublicKey(k)
	case ed25519.PublicKey:
		bits = k
	default:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("pki: error getting subject key ID: %w", err)
		}
		spki := cryptobyte.String(der)
		var body cryptobyte.String
		var key asn1.BitString
		if !spki.ReadASN1(&body, cbasn1.SEQUENCE) ||
			!body.SkipASN1(cbasn1.SEQUENCE) ||
			!body.ReadASN1BitString(&key) {
			return nil, errors.New("pki: error getting subject key ID: malformed public key")
		}
		bits = key.RightAlign()
	}
	sum := sha1.Sum(bits)
	return sum[:], nil
}
