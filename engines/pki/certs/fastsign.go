package certs

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// createCertificate is x509.CreateCertificate without its final check of
// the signature it just made. That check guards against faulty hardware
// signers and costs as much as the ECDSA signature itself (a P-256
// verification: ~45% of issuing a leaf); our signers are in-process Go
// keys. The common leaf (an ECDSA key under an ECDSA issuer) has its TBS
// certificate written by leafTBS, x509's bytes without reflection; any
// other is encoded by crypto/x509: a capturing signer receives the TBS
// (crypto.MessageSigner), aborts, and the real key signs it with the same
// options.
func createCertificate(random io.Reader, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) ([]byte, error) {
	tbs, hash, ok := leafTBS(tmpl, parent, pub, key.Public())
	var opts crypto.SignerOpts = hash
	if !ok {
		capture := &tbsCapture{pub: key.Public()}
		_, err := x509.CreateCertificate(random, tmpl, parent, pub, capture)
		if !errors.Is(err, errTBSCaptured) {
			if err == nil {
				err = errors.New("signer was not called")
			}
			return nil, err
		}
		tbs, opts = capture.tbs, capture.opts
	}
	sig, err := crypto.SignMessage(key, random, tbs, opts)
	if err != nil {
		return nil, fmt.Errorf("pki: sign certificate: %w", err)
	}
	algID, err := tbsSignatureAlgorithm(tbs)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		b.AddBytes(algID)
		b.AddASN1BitString(sig)
	})
	return b.Bytes()
}

var errTBSCaptured = errors.New("pki: tbs captured")

// tbsCapture is a crypto.MessageSigner that records what it is asked to
// sign and refuses, ending x509.CreateCertificate before it signs.
type tbsCapture struct {
	pub  crypto.PublicKey
	tbs  []byte
	opts crypto.SignerOpts
}

func (c *tbsCapture) Public() crypto.PublicKey { return c.pub }

func (c *tbsCapture) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	// crypto/x509 always uses SignMessage when offered; reaching Sign
	// would mean a digest was passed, which we cannot re-sign as is.
	return nil, errors.New("pki: tbs capture needs crypto.MessageSigner support")
}

func (c *tbsCapture) SignMessage(_ io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.tbs = append([]byte(nil), msg...)
	c.opts = opts
	return nil, errTBSCaptured
}

// tbsSignatureAlgorithm returns the raw AlgorithmIdentifier inside a TBS
// certificate, which the outer signatureAlgorithm repeats (RFC 5280 4.1.1.2).
func tbsSignatureAlgorithm(tbs []byte) ([]byte, error) {
	in := cryptobyte.String(tbs)
	var body cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) {
		return nil, errors.New("pki: malformed TBS certificate")
	}
	var alg cryptobyte.String
	if !body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!body.SkipASN1(cbasn1.INTEGER) ||
		!body.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return nil, errors.New("pki: malformed TBS certificate")
	}
	return alg, nil
}
