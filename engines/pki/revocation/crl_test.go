package revocation

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

func TestCompleteAndDeltaCRL(t *testing.T) {
	for _, kt := range []struct {
		typ  string
		bits int
	}{{"ec", 256}, {"rsa", 2048}, {"ed25519", 0}} {
		t.Run(kt.typ, func(t *testing.T) {
			now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
			p := newPKI(t, now, kt.typ, kt.bits)
			a, b, c := p.leaf(t, now, "a.example.com"), p.leaf(t, now, "b.example.com"), p.leaf(t, now, "c.example.com")
			revoked := []Entry{
				{Serial: c.SerialNumber, RevokedAt: now.Add(-2 * time.Hour)},
				{Serial: a.SerialNumber, RevokedAt: now.Add(-3 * time.Hour)},
			}
			deltaURL := "http://127.0.0.1:8200/v1/pki_int/crl/delta"
			der, err := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 7, ThisUpdate: now, Lifetime: 72 * time.Hour,
				Entries: revoked, DeltaURLs: []string{deltaURL}})
			if err != nil {
				t.Fatal(err)
			}
			rl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := rl.CheckSignatureFrom(p.inter.Cert); err != nil {
				t.Fatalf("signature: %v", err)
			}
			if err := rl.CheckSignatureFrom(p.root.Cert); err == nil {
				t.Fatal("a CRL signed by the intermediate must not verify under the root")
			}
			if rl.Number.Int64() != 7 || !rl.ThisUpdate.Equal(now) || !rl.NextUpdate.Equal(now.Add(72*time.Hour)) {
				t.Fatalf("number %v this %v next %v", rl.Number, rl.ThisUpdate, rl.NextUpdate)
			}
			if len(rl.RevokedCertificateEntries) != 2 {
				t.Fatalf("%d entries", len(rl.RevokedCertificateEntries))
			}
			listed := map[string]time.Time{}
			for _, e := range rl.RevokedCertificateEntries {
				listed[e.SerialNumber.String()] = e.RevocationTime
			}
			if !listed[a.SerialNumber.String()].Equal(now.Add(-3*time.Hour)) || !listed[c.SerialNumber.String()].Equal(now.Add(-2*time.Hour)) {
				t.Fatalf("entries %v", listed)
			}
			if _, ok := listed[b.SerialNumber.String()]; ok {
				t.Fatal("an unrevoked certificate is listed")
			}
			if _, isDelta := DeltaBase(rl); isDelta {
				t.Fatal("complete CRL marked as delta")
			}
			var fresh bool
			for _, e := range rl.Extensions {
				fresh = fresh || (e.Id.Equal(certs.OIDFreshestCRL) && strings.Contains(string(e.Value), deltaURL))
			}
			if !fresh {
				t.Fatal("complete CRL lacks the Freshest CRL extension")
			}

			// A delta over CRL 7 lists what was revoked since it was built.
			later := Entry{Serial: b.SerialNumber, RevokedAt: now.Add(10 * time.Minute)}
			all := append(revoked, later)
			delta := DeltaEntries(all, now)
			if len(delta) != 1 || delta[0].Serial.Cmp(b.SerialNumber) != 0 {
				t.Fatalf("delta entries %v", delta)
			}
			dder, err := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 8, ThisUpdate: now.Add(15 * time.Minute), Lifetime: 72 * time.Hour,
				Entries: delta, Delta: true, BaseNumber: 7})
			if err != nil {
				t.Fatal(err)
			}
			drl, err := x509.ParseRevocationList(dder)
			if err != nil {
				t.Fatal(err)
			}
			if err := drl.CheckSignatureFrom(p.inter.Cert); err != nil {
				t.Fatal(err)
			}
			base, isDelta := DeltaBase(drl)
			if !isDelta || base != 7 || drl.Number.Int64() != 8 || len(drl.RevokedCertificateEntries) != 1 {
				t.Fatalf("delta: base %d/%v number %v entries %d", base, isDelta, drl.Number, len(drl.RevokedCertificateEntries))
			}
			for _, e := range drl.Extensions {
				if e.Id.Equal(certs.OIDDeltaCRLIndicator) && !e.Critical {
					t.Fatal("the delta CRL indicator must be critical")
				}
			}
		})
	}
}

func TestCRLDeterministicOrderAndEmpty(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newPKI(t, now, "ec", 256)
	x, y := p.leaf(t, now, "x.example.com"), p.leaf(t, now, "y.example.com")
	e1 := []Entry{{x.SerialNumber, now}, {y.SerialNumber, now}}
	e2 := []Entry{{y.SerialNumber, now}, {x.SerialNumber, now}}
	d1, _ := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 1, ThisUpdate: now, Lifetime: time.Hour, Entries: e1})
	d2, _ := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 1, ThisUpdate: now, Lifetime: time.Hour, Entries: e2})
	r1, _ := x509.ParseRevocationList(d1)
	r2, _ := x509.ParseRevocationList(d2)
	if string(r1.RawTBSRevocationList) != string(r2.RawTBSRevocationList) {
		t.Fatal("the same entries in another order gave another CRL body")
	}
	empty, err := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 2, ThisUpdate: now, Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if rl, err := x509.ParseRevocationList(empty); err != nil || len(rl.RevokedCertificateEntries) != 0 || rl.CheckSignatureFrom(p.inter.Cert) != nil {
		t.Fatalf("empty CRL: %v", err)
	}
	if _, err := BuildCRL(rand.Reader, CRL{Issuer: &certs.Issuer{Cert: p.inter.Cert}, Number: 1, ThisUpdate: now, Lifetime: time.Hour}); !errors.Is(err, ErrCRL) {
		t.Fatalf("no key: err = %v", err)
	}
	if _, err := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 1, ThisUpdate: now}); !errors.Is(err, ErrCRL) {
		t.Fatalf("no lifetime: err = %v", err)
	}
	if !strings.HasPrefix(CRLPEM(empty), "-----BEGIN X509 CRL-----") || strings.HasSuffix(CRLPEM(empty), "\n") {
		t.Fatal("crl/pem shape")
	}
}

// TestCRLWithOpenSSL checks the CRL the way relying parties do: openssl
// verifies its signature and refuses the revoked leaf with -crl_check
// while accepting the other. Real time, because openssl checks validity.
func TestCRLWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found on PATH: cannot cross-check the CRL with openssl")
	}
	now := time.Now()
	p := newPKI(t, now, "ec", 256)
	good, bad := p.leaf(t, now, "good.example.com"), p.leaf(t, now, "bad.example.com")
	der, err := BuildCRL(rand.Reader, CRL{Issuer: p.inter, Number: 1, ThisUpdate: now.Add(-time.Minute), Lifetime: 72 * time.Hour,
		Entries: []Entry{{Serial: bad.SerialNumber, RevokedAt: now.Add(-time.Minute)}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	root := write("root.pem", certs.CertPEM(p.root.Cert))
	inter := write("int.pem", certs.CertPEM(p.inter.Cert))
	crl := write("crl.pem", CRLPEM(der))
	goodF := write("good.pem", certs.CertPEM(good))
	badF := write("bad.pem", certs.CertPEM(bad))

	out, err := exec.Command(openssl, "crl", "-in", crl, "-CAfile", inter, "-noout").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verify OK") {
		t.Fatalf("openssl crl: %v\n%s", err, out)
	}
	out, err = exec.Command(openssl, "verify", "-crl_check", "-CAfile", root, "-untrusted", inter, "-CRLfile", crl, goodF).CombinedOutput()
	if err != nil {
		t.Fatalf("good leaf: %v\n%s", err, out)
	}
	out, err = exec.Command(openssl, "verify", "-crl_check", "-CAfile", root, "-untrusted", inter, "-CRLfile", crl, badF).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "certificate revoked") {
		t.Fatalf("revoked leaf: %v\n%s", err, out)
	}
}
