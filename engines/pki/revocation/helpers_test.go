package revocation

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// pki is a root, an intermediate under it and leaves the intermediate
// issued, built for a given time.
type pki struct {
	root, inter *certs.Issuer
}

func newPKI(t testing.TB, now time.Time, keyType string, bits int) pki {
	t.Helper()
	rootKey := genKey(t, keyType, bits)
	root, err := certs.SelfSign(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: "Internal Root CA"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(24 * time.Hour), MaxPathLength: -1}, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootIss := &certs.Issuer{Cert: root.Cert, Signer: rootKey.Signer}
	intKey := genKey(t, keyType, bits)
	csr, err := certs.CreateCSR(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: "Internal Intermediate CA"}}, intKey, false)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := certs.SignCSR(rand.Reader, certs.Params{Subject: csr.Subject, NotBefore: now.Add(-time.Minute),
		NotAfter: now.Add(12 * time.Hour), IsCA: true, MaxPathLength: -1}, csr, rootIss, false)
	if err != nil {
		t.Fatal(err)
	}
	return pki{root: rootIss, inter: &certs.Issuer{Cert: inter.Cert, Signer: intKey.Signer, Chain: []*x509.Certificate{root.Cert}}}
}

func (p pki) leaf(t testing.TB, now time.Time, cn string) *x509.Certificate {
	t.Helper()
	is, err := certs.IssueWithKey(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), ExtKeyUsage: certs.EKUServerAuth,
		KeyUsage: x509.KeyUsageDigitalSignature}, genKey(t, "ec", 256), p.inter)
	if err != nil {
		t.Fatal(err)
	}
	return is.Cert
}

func genKey(t testing.TB, typ string, bits int) *certs.PrivateKey {
	t.Helper()
	k, err := certs.GenerateKey(rand.Reader, typ, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
