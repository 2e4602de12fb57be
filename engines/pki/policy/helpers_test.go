package policy

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

func fixedNow() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }

// tutorialRole is the seed's pki_int/roles/myapp-service.
func tutorialRole(t testing.TB) Role {
	t.Helper()
	r := DefaultRole()
	r.AllowedDomains = []string{"internal.example.com"}
	r.AllowSubdomains = true
	r.MaxTTL = 24 * time.Hour
	r.GenerateLease = true
	r, err := r.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// limits are a pki_int mount (max 43800h, default 768h) under an issuer
// valid for another year.
func limits(issuer *x509.Certificate) Limits {
	return Limits{
		Now:        fixedNow(),
		DefaultTTL: 768 * time.Hour,
		MaxTTL:     43800 * time.Hour,
		Issuer:     issuer,
	}
}

// issuerCert is a CA certificate expiring at notAfter (only its validity
// and path length matter to policy).
func issuerCert(t testing.TB, notAfter time.Time) *x509.Certificate {
	t.Helper()
	key, err := certs.GenerateKey(rand.Reader, "ec", 256)
	if err != nil {
		t.Fatal(err)
	}
	p := certs.Params{Subject: pkix.Name{CommonName: "issuer"}, NotBefore: fixedNow().Add(-time.Hour), NotAfter: notAfter, MaxPathLength: -1}
	is, err := certs.SelfSign(rand.Reader, p, key)
	if err != nil {
		t.Fatal(err)
	}
	return is.Cert
}

func csrPEM(t testing.TB, keyType string, bits int, p certs.Params) string {
	t.Helper()
	key, err := certs.GenerateKey(rand.Reader, keyType, bits)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := certs.CreateCSR(rand.Reader, p, key, false)
	if err != nil {
		t.Fatal(err)
	}
	return certs.CSRPEM(csr)
}

// csrPEMWeakRSA is a CSR over a 1024-bit RSA key, which certs refuses to
// generate, so it is built with crypto/rsa directly.
func csrPEMWeakRSA(t testing.TB) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "api.internal.example.com"}}, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}
