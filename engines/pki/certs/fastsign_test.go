package certs

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// TestCreateCertificateMatchesStdlib: Ed25519 signatures are deterministic,
// so the same template signed by createCertificate and by
// x509.CreateCertificate must be the same bytes.
func TestCreateCertificateMatchesStdlib(t *testing.T) {
	key := mustKey(t, KeyEd25519, 0)
	now := fixedNow()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242), Subject: pkix.Name{CommonName: "same"}, NotBefore: now, NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, SubjectKeyId: []byte{1, 2, 3},
		DNSNames: []string{"a.example.com"},
	}
	ours, err := createCertificate(rand.Reader, tmpl, tmpl, key.Signer.Public(), key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	std, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Signer.Public(), key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, std) {
		t.Fatal("createCertificate and x509.CreateCertificate differ for a deterministic signer")
	}
}

// TestCreateCertificateAllSigners: every signer kind and signature
// algorithm gives a certificate whose signature verifies.
func TestCreateCertificateAllSigners(t *testing.T) {
	now := fixedNow()
	for _, c := range []struct {
		typ  string
		bits int
		sig  int
		pss  bool
	}{
		{KeyRSA, 2048, 256, false}, {KeyRSA, 2048, 512, false}, {KeyRSA, 2048, 384, true},
		{KeyEC, 256, 0, false}, {KeyEC, 384, 0, false}, {KeyEC, 521, 0, false}, {KeyEd25519, 0, 0, false},
	} {
		key := mustKey(t, c.typ, c.bits)
		p := rootParams("root", now)
		p.SignatureBits, p.UsePSS = c.sig, c.pss
		root, err := SelfSign(rand.Reader, p, key)
		if err != nil {
			t.Fatalf("%s/%d: %v", c.typ, c.bits, err)
		}
		if err := root.Cert.CheckSignatureFrom(root.Cert); err != nil {
			t.Fatalf("%s/%d sig=%d pss=%v: %v", c.typ, c.bits, c.sig, c.pss, err)
		}
		leaf, err := IssueWithKey(rand.Reader, leafParams("l.example.com", now, time.Hour), mustKey(t, KeyEC, 256), &Issuer{Cert: root.Cert, Signer: key.Signer})
		if err != nil {
			t.Fatal(err)
		}
		if err := leaf.Cert.CheckSignatureFrom(root.Cert); err != nil {
			t.Fatalf("%s leaf: %v", c.typ, err)
		}
	}
	// The parent's key must still be the signer's.
	a, b := mustKey(t, KeyEC, 256), mustKey(t, KeyEC, 256)
	root, _ := SelfSign(rand.Reader, rootParams("a", now), a)
	if _, err := IssueWithKey(rand.Reader, leafParams("x", now, time.Hour), mustKey(t, KeyEC, 256), &Issuer{Cert: root.Cert, Signer: b.Signer}); err == nil {
		t.Fatal("signing with a key that is not the issuer's must fail")
	}
}
