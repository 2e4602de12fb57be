package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBuildChain(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	now := fixedNow()
	// A third level: an issuing CA under the intermediate.
	subKey := mustKey(t, "ec", 256)
	csr, err := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "Issuing CA"}}, subKey, false)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := SignCSR(rand.Reader, Params{Subject: csr.Subject, NotBefore: now, NotAfter: now.Add(time.Hour), IsCA: true, MaxPathLength: -1}, csr, ca.inter, false)
	if err != nil {
		t.Fatal(err)
	}
	unrelated, _ := SelfSign(rand.Reader, rootParams("Internal Root CA", now), mustKey(t, "ec", 256)) // same name as the root, other key

	known := []*x509.Certificate{unrelated.Cert, sub.Cert, ca.root.Cert, ca.inter.Cert}
	chain := BuildChain(sub.Cert, known)
	if len(chain) != 2 || chain[0] != ca.inter.Cert || chain[1] != ca.root.Cert {
		t.Fatalf("chain = %v", names(chain))
	}
	if got := BuildChain(ca.root.Cert, known); len(got) != 0 {
		t.Fatalf("a root has no parents, got %v", names(got))
	}
	if got := BuildChain(sub.Cert, []*x509.Certificate{ca.inter.Cert}); len(got) != 1 {
		t.Fatalf("partial chain = %v", names(got))
	}
	iss := &Issuer{Cert: sub.Cert, Chain: chain}
	if full := iss.FullChain(); len(full) != 3 || full[0] != sub.Cert {
		t.Fatalf("full chain = %v", names(full))
	}
}

func names(list []*x509.Certificate) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Subject.CommonName)
	}
	return out
}

func TestSetSigned(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	interKey := ca.inter.Signer.Public()
	other := mustKey(t, "ec", 256).Signer.Public()

	// The tutorial hands set-signed sign-intermediate's pem_bundle
	// certificate: the intermediate followed by the root.
	bundle := CertPEM(ca.inter.Cert) + "\n" + CertPEM(ca.root.Cert)
	res, err := SetSigned(bundle, []crypto.PublicKey{other, interKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Certs) != 2 || res.Issuer != 0 || res.KeyIndex[0] != 1 || res.KeyIndex[1] != -1 {
		t.Fatalf("result %+v", res)
	}
	if len(res.Chain) != 1 || res.Chain[0].Subject.CommonName != "Internal Root CA" {
		t.Fatalf("chain %v", names(res.Chain))
	}

	// The intermediate alone, the root known to the mount otherwise.
	res, err = SetSigned(CertPEM(ca.inter.Cert), []crypto.PublicKey{interKey}, []*x509.Certificate{ca.root.Cert})
	if err != nil || len(res.Chain) != 1 {
		t.Fatalf("intermediate alone: %v %+v", err, res)
	}

	// A certificate for another key is refused: it could never sign.
	_, err = SetSigned(CertPEM(ca.inter.Cert), []crypto.PublicKey{other}, nil)
	if !errors.Is(err, ErrNoMatchingKey) || !IsRefusal(err) {
		t.Fatalf("foreign certificate: err = %v", err)
	}
}

func TestParseImportRefusals(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	leaf, err := IssueWithKey(rand.Reader, leafParams("l.example.com", fixedNow(), time.Hour), mustKey(t, "ec", 256), ca.inter)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := mustKey(t, "ec", 256).PEM()
	for _, c := range []struct {
		name, in, want string
	}{
		{"path instead of content", "@signed_cert.pem", "provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file"},
		{"garbage after cert", CertPEM(ca.inter.Cert) + "\n" + strings.Repeat("x", 80), "error when parsing block 2: invalid PEM data"},
		{"leaf certificate", CertPEM(leaf.Cert), "Error parsing issuer 0: Refusing to import non-CA certificate\n-----BEGIN CERTIFICATE-----"},
		{"key on set-signed", CertPEM(ca.inter.Cert) + "\n" + keyPEM, "private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle"},
	} {
		_, err := ParseImport(c.in, false)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || !IsRefusal(err) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	imp, err := ParseImport(CertPEM(ca.inter.Cert)+"\n"+keyPEM, true)
	if err != nil || len(imp.Certs) != 1 || len(imp.Keys) != 1 {
		t.Fatalf("bundle with key: %v %+v", err, imp)
	}
	dup, err := ParseImport(CertPEM(ca.root.Cert)+"\n"+CertPEM(ca.root.Cert), false)
	if err != nil || len(dup.Certs) != 1 {
		t.Fatalf("duplicate certificate kept twice: %v", err)
	}
}

func TestParseCertPEM(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	c, err := ParseCertPEM(CertPEM(ca.root.Cert))
	if err != nil || !c.Equal(ca.root.Cert) {
		t.Fatal(err)
	}
	if _, err := ParseCertPEM(CertPEM(ca.root.Cert) + "\n" + CertPEM(ca.inter.Cert)); err == nil || err.Error() != "unable to parse certificate: trailing PEM data" {
		t.Fatalf("err = %v", err)
	}
	if _, err := ParseCertPEM("x"); err == nil || !IsRefusal(err) {
		t.Fatalf("err = %v", err)
	}
}
