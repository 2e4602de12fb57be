package certs

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"
)

// fixedNow is the clock of these tests: certificates are built for it and
// verified at it, so results do not depend on when the test runs.
func fixedNow() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }

func mustKey(t testing.TB, typ string, bits int) *PrivateKey {
	t.Helper()
	k, err := GenerateKey(rand.Reader, typ, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rootParams(cn string, now time.Time) Params {
	return Params{
		Subject:       pkix.Name{CommonName: cn},
		NotBefore:     now.Add(-30 * time.Second),
		NotAfter:      now.Add(10 * 365 * 24 * time.Hour),
		MaxPathLength: -1,
	}
}

func leafParams(cn string, now time.Time, ttl time.Duration) Params {
	return Params{
		Subject:     pkix.Name{CommonName: cn},
		DNSNames:    []string{cn},
		NotBefore:   now.Add(-30 * time.Second),
		NotAfter:    now.Add(ttl),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: EKUServerAuth | EKUClientAuth,
	}
}

// testCA is a root and an intermediate signed by it.
type testCA struct {
	root, inter *Issuer
}

func newTestCA(t testing.TB, keyType string, bits int) testCA {
	t.Helper()
	now := fixedNow()
	rootKey := mustKey(t, keyType, bits)
	root, err := SelfSign(rand.Reader, rootParams("Internal Root CA", now), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootIss := &Issuer{Cert: root.Cert, Signer: rootKey.Signer}

	interKey := mustKey(t, keyType, bits)
	csr, err := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "Internal Intermediate CA"}}, interKey, false)
	if err != nil {
		t.Fatal(err)
	}
	p := Params{
		Subject:       csr.Subject,
		NotBefore:     now.Add(-30 * time.Second),
		NotAfter:      now.Add(5 * 365 * 24 * time.Hour),
		IsCA:          true,
		MaxPathLength: -1,
	}
	inter, err := SignCSR(rand.Reader, p, csr, rootIss, false)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{root: rootIss, inter: &Issuer{Cert: inter.Cert, Signer: interKey.Signer, Chain: []*x509.Certificate{root.Cert}}}
}

func verifyAt(t testing.TB, leaf *x509.Certificate, roots []*x509.Certificate, inters []*x509.Certificate, dns string) error {
	t.Helper()
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		rp.AddCert(r)
	}
	for _, i := range inters {
		ip.AddCert(i)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots: rp, Intermediates: ip, DNSName: dns, CurrentTime: fixedNow(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}
