package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
)

// SignSelfIssued re-signs a self-issued CA certificate (root/sign-self-
// issued): the same subject, key and extensions, now issued by iss, with
// iss's URLs. When the key types differ the signature algorithm becomes
// the signer's, unless requireMatchingAlgorithms refuses that.
func SignSelfIssued(random io.Reader, certPEM string, iss *Issuer, urls URLs, requireMatchingAlgorithms bool) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || len(block.Bytes) == 0 {
		return nil, Refusef("certificate could not be PEM-decoded")
	}
	parsed, err := x509.ParseCertificates(block.Bytes)
	if err != nil {
		return nil, Refusef("error parsing certificate: %s", err)
	}
	if len(parsed) != 1 {
		return nil, Refusef("%d certificates found in PEM file, expected 1", len(parsed))
	}
	cert := parsed[0]
	if !cert.IsCA {
		return nil, Refusef("given certificate is not a CA certificate")
	}
	if !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		return nil, Refusef("given certificate is not self-issued")
	}
	if iss.Signer == nil {
		return nil, ErrNoSigner
	}
	cert.IssuingCertificateURL = urls.IssuingCertificates
	cert.CRLDistributionPoints = urls.CRLDistributionPoints
	cert.OCSPServer = urls.OCSPServers

	signerType := PublicKeyType(iss.Cert.PublicKey)
	certType := PublicKeyType(cert.PublicKey)
	if signerType != certType {
		if requireMatchingAlgorithms {
			return nil, Refusef("signing certificate's public key algorithm (%s) does not match submitted certificate's (%s), and require_matching_certificate_algorithms is true",
				iss.Cert.PublicKeyAlgorithm, cert.PublicKeyAlgorithm)
		}
		cert.SignatureAlgorithm = signatureAlgorithm(iss.Signer.Public(), Params{})
	}
	der, err := x509.CreateCertificate(random, cert, iss.Cert, cert.PublicKey, iss.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: error signing self-issued certificate: %w", err)
	}
	out, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: unable to parse created certificate: %w", err)
	}
	return out, nil
}

// CrossSignParams are the parameters that reissue an existing CA
// certificate under another issuer (intermediate/cross-sign, then
// sign-intermediate with use_csr_values and skid): the same subject, key
// id and path length, with the new validity and the new issuer's URLs.
// The caller still caps NotAfter by policy.
func CrossSignParams(existing *x509.Certificate, p Params) Params {
	p.Subject = existing.Subject
	p.SKID = existing.SubjectKeyId
	p.IsCA = true
	switch {
	case existing.MaxPathLenZero:
		p.MaxPathLength = 0
	case existing.MaxPathLen <= 0:
		p.MaxPathLength = -1
	default:
		p.MaxPathLength = existing.MaxPathLen
	}
	p.PermittedDNSDomains = existing.PermittedDNSDomains
	return p
}
