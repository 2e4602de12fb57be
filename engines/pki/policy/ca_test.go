package policy

import (
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

func TestDecideRoot(t *testing.T) {
	lim := Limits{Now: fixedNow(), DefaultTTL: 768 * time.Hour, MaxTTL: 87600 * time.Hour}
	d, err := DecideRoot(CAOptions{}, Request{CommonName: "Internal Root CA", TTL: 87600 * time.Hour}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if d.KeyType != "rsa" || d.KeyBits != 2048 || !d.Params.IsCA || d.Params.MaxPathLength != -1 || len(d.Warnings) != 0 {
		t.Fatalf("decision %+v", d)
	}
	if !d.Params.NotAfter.Equal(fixedNow().Add(87600 * time.Hour)) {
		t.Fatalf("NotAfter %v", d.Params.NotAfter)
	}
	// ttl beyond the mount's max lease TTL is capped, with Vault's warning.
	d, err = DecideRoot(CAOptions{KeyType: "ec", KeyBits: 384}, Request{CommonName: "r", TTL: 100000 * time.Hour}, lim)
	if err != nil || !d.Params.NotAfter.Equal(fixedNow().Add(87600*time.Hour)) || len(d.Warnings) != 1 || d.KeyBits != 384 {
		t.Fatalf("capped root: %+v %v", d, err)
	}
	zero := 0
	d, err = DecideRoot(CAOptions{KeyType: "ed25519", MaxPathLength: &zero, PermittedDNSDomains: []string{"example.com"}, KeyUsage: []string{"DigitalSignature"}},
		Request{CommonName: "r", AltNames: "not a hostname"}, lim)
	if err != nil || d.Params.MaxPathLength != 0 || !slices.Equal(d.Params.PermittedDNSDomains, []string{"example.com"}) {
		t.Fatalf("root options: %+v %v", d, err)
	}
	is, err := certs.SelfSign(rand.Reader, d.Params, mustGen(t, d))
	if err != nil {
		t.Fatal(err)
	}
	if !is.Cert.MaxPathLenZero || is.Cert.PermittedDNSDomains[0] != "example.com" {
		t.Fatal("CA options not in the certificate")
	}
	for _, c := range []struct {
		o    CAOptions
		want string
	}{
		{CAOptions{KeyType: "rsa", KeyBits: 1024}, "RSA keys < 2048 bits are unsafe and not supported: got 1024"},
		{CAOptions{KeyType: "ec", KeyBits: 255}, "unsupported bit length for EC key: 255"},
		{CAOptions{KeyType: "dsa"}, "unknown key type dsa"},
	} {
		if _, err := DecideRoot(c.o, Request{CommonName: "r"}, lim); err == nil || err.Error() != c.want {
			t.Errorf("%+v: err = %v, want %q", c.o, err, c.want)
		}
	}
}

func mustGen(t *testing.T, d *Decision) *certs.PrivateKey {
	t.Helper()
	k, err := certs.GenerateKey(rand.Reader, d.KeyType, d.KeyBits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDecideSignIntermediate(t *testing.T) {
	now := fixedNow()
	rootExpiry := now.Add(1000 * time.Hour)
	root := issuerCert(t, rootExpiry)
	lim := Limits{Now: now, DefaultTTL: 768 * time.Hour, MaxTTL: 87600 * time.Hour, Issuer: root,
		URLs: certs.URLs{IssuingCertificates: []string{"http://127.0.0.1:8200/v1/pki/ca"}}}
	csr := csrPEM(t, "ec", 256, certs.Params{})

	// An intermediate may outlive its root: permitted, with a warning.
	d, err := DecideSignIntermediate(CAOptions{}, Request{CSR: csr, CommonName: "Internal Intermediate CA", TTL: 43800 * time.Hour}, false, lim)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Params.NotAfter.Equal(now.Add(43800*time.Hour)) || !slices.Contains(d.Warnings, ExpiresAfterIssuerWarning) {
		t.Fatalf("NotAfter %v warnings %q", d.Params.NotAfter, d.Warnings)
	}
	if !d.Params.IsCA || d.Params.MaxPathLength != -1 || d.Params.Subject.CommonName != "Internal Intermediate CA" ||
		!slices.Equal(d.Params.URLs.IssuingCertificates, lim.URLs.IssuingCertificates) {
		t.Fatalf("params %+v", d.Params)
	}
	one := 1
	d, err = DecideSignIntermediate(CAOptions{MaxPathLength: &one}, Request{CSR: csr, CommonName: "x", TTL: time.Hour}, true, lim)
	if err != nil || d.Params.MaxPathLength != 1 || !d.UseCSRValues || len(d.Warnings) != 0 {
		t.Fatalf("max_path_length: %+v %v", d, err)
	}
	if _, err := DecideSignIntermediate(CAOptions{}, Request{CSR: csrPEMWeakRSA(t)}, false, lim); err == nil || err.Error() != "RSA keys < 2048 bits are unsafe and not supported" {
		t.Fatalf("weak CSR: err = %v", err)
	}
}

func TestDecideIntermediateCSR(t *testing.T) {
	lim := Limits{Now: fixedNow(), DefaultTTL: 768 * time.Hour, MaxTTL: 43800 * time.Hour}
	d, err := DecideIntermediateCSR(CAOptions{KeyType: "ec"}, Request{CommonName: "Internal Intermediate CA", AltNames: "ca.example.com"}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if d.KeyType != "ec" || d.KeyBits != 256 || d.Params.Subject.CommonName != "Internal Intermediate CA" ||
		!slices.Equal(d.Params.DNSNames, []string{"ca.example.com"}) || d.Params.IsCA {
		t.Fatalf("decision %+v", d)
	}
}
