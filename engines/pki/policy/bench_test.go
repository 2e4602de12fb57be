package policy

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/internal/benchtest"
)

// BenchmarkIssueP256 is the whole pure part of issue/:role with an EC
// P-256 role: the policy decision, key generation, signing by a P-256
// intermediate and the pem response fields, in parallel on every core.
// certs/s is the ceiling the engine's issue path can reach before storage
// and the ledger.
func BenchmarkIssueP256(b *testing.B) {
	now := time.Now()
	rootKey, _ := certs.GenerateKey(rand.Reader, "ec", 256)
	root, err := certs.SelfSign(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: "root"}, NotBefore: now, NotAfter: now.Add(48 * time.Hour), MaxPathLength: -1}, rootKey)
	if err != nil {
		b.Fatal(err)
	}
	intKey, _ := certs.GenerateKey(rand.Reader, "ec", 256)
	csr, _ := certs.CreateCSR(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: "int"}}, intKey, false)
	inter, err := certs.SignCSR(rand.Reader, certs.Params{Subject: csr.Subject, NotBefore: now, NotAfter: now.Add(24 * time.Hour), IsCA: true, MaxPathLength: -1},
		csr, &certs.Issuer{Cert: root.Cert, Signer: rootKey.Signer}, false)
	if err != nil {
		b.Fatal(err)
	}
	iss := &certs.Issuer{Cert: inter.Cert, Signer: intKey.Signer, Chain: []*x509.Certificate{root.Cert}}
	role := DefaultRole()
	role.KeyType = "ec"
	role.AllowedDomains = []string{"internal.example.com"}
	role.AllowSubdomains = true
	if role, err = role.Normalize(); err != nil {
		b.Fatal(err)
	}
	lim := Limits{Now: now, DefaultTTL: 768 * time.Hour, MaxTTL: 43800 * time.Hour, Issuer: inter.Cert}
	req := Request{CommonName: "api.internal.example.com", TTL: time.Hour}
	b.ReportAllocs()
	clock := benchtest.Start()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d, err := DecideIssue(role, req, lim)
			if err != nil {
				b.Error(err)
				return
			}
			key, err := certs.GenerateKey(rand.Reader, d.KeyType, d.KeyBits)
			if err != nil {
				b.Error(err)
				return
			}
			is, err := certs.IssueWithKey(rand.Reader, d.Params, key, iss)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := certs.IssueData(certs.FormatPEM, certs.KeyFormatDefault, is, false); err != nil {
				b.Error(err)
				return
			}
		}
	})
	clock.Report(b)
}
