package certs

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"strings"
	"testing"
)

func TestCreateAndParseCSR(t *testing.T) {
	for _, kt := range []struct {
		typ  string
		bits int
	}{{"rsa", 2048}, {"ec", 256}, {"ec", 521}, {"ed25519", 0}} {
		key := mustKey(t, kt.typ, kt.bits)
		p := Params{
			Subject:     pkix.Name{CommonName: "Internal Intermediate CA", Organization: []string{"Coffer"}},
			DNSNames:    []string{"ca.internal.example.com"},
			IPAddresses: []net.IP{net.ParseIP("10.0.0.1")},
			OtherSANs:   map[string][]string{"1.2.3.4": {"hello"}},
		}
		csr, err := CreateCSR(rand.Reader, p, key, false)
		if err != nil {
			t.Fatalf("%s: %v", kt.typ, err)
		}
		got, err := ParseCSR(CSRPEM(csr))
		if err != nil {
			t.Fatalf("%s: %v", kt.typ, err)
		}
		if got.Subject.CommonName != "Internal Intermediate CA" || !PublicKeysEqual(got.PublicKey, key.Signer.Public()) {
			t.Fatalf("%s: parsed CSR differs", kt.typ)
		}
		others, err := OtherSANsFromExtensions(got.Extensions)
		if err != nil || len(others) != 1 || others[0] != "1.2.3.4;UTF-8:hello" {
			t.Fatalf("%s: other SANs %v %v", kt.typ, others, err)
		}
		if len(got.DNSNames) != 1 || len(got.IPAddresses) != 1 {
			t.Fatalf("%s: names lost next to other SANs: %v %v", kt.typ, got.DNSNames, got.IPAddresses)
		}
		if CSRHasBasicConstraints(got) {
			t.Fatalf("%s: unexpected basic constraints", kt.typ)
		}
	}
}

func TestParseCSRRefusals(t *testing.T) {
	key := mustKey(t, "rsa", 2048)
	csr, err := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "x"}}, key, false)
	if err != nil {
		t.Fatal(err)
	}
	// Turn the rsaEncryption OID of the SubjectPublicKeyInfo into rsaPSS
	// (same length): Go then parses the CSR with no public key, the case
	// Vault refuses with its rsaPSS hint.
	rsaEnc := []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}
	pss := bytes.Clone(csr.Raw)
	i := bytes.Index(pss, rsaEnc)
	if i < 0 {
		t.Fatal("rsaEncryption OID not found")
	}
	pss[i+len(rsaEnc)-1] = 0x0a
	pssPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: pss}))

	for _, c := range []struct {
		name, in, want string
	}{
		{"empty", "", `"csr" is empty`},
		{"not pem", "hello", "csr contains no data"},
		{"pem of junk", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("junk")})), "certificate request could not be parsed: "},
		{"truncated", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw[:len(csr.Raw)/2]})), "certificate request could not be parsed: "},
		{"rsaPSS key", pssPEM, "Refusing to sign CSR with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS."},
	} {
		_, err := ParseCSR(c.in)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || !IsRefusal(err) {
			t.Errorf("%s: err = %v, want refusal starting %q", c.name, err, c.want)
		}
	}
}

func TestCSRSignatureAlgorithmFollowsKey(t *testing.T) {
	for _, c := range []struct {
		typ  string
		bits int
		want x509.SignatureAlgorithm
	}{{"ec", 384, x509.ECDSAWithSHA384}, {"rsa", 2048, x509.SHA256WithRSA}, {"ed25519", 0, x509.PureEd25519}} {
		csr, err := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "x"}}, mustKey(t, c.typ, c.bits), false)
		if err != nil {
			t.Fatal(err)
		}
		if csr.SignatureAlgorithm != c.want {
			t.Errorf("%s: %v", c.typ, csr.SignatureAlgorithm)
		}
	}
}
