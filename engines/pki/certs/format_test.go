package certs

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

// pemBlocks splits a response string into its PEM block types.
func pemBlocks(t *testing.T, s string) []string {
	t.Helper()
	var types []string
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		types = append(types, b.Type)
	}
	if strings.TrimSpace(string(rest)) != "" {
		t.Fatalf("trailing non-PEM data %q", rest)
	}
	return types
}

func TestIssueDataFormats(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	is, err := IssueWithKey(rand.Reader, leafParams("a.example.com", fixedNow(), time.Hour), mustKey(t, "ec", 256), ca.inter)
	if err != nil {
		t.Fatal(err)
	}
	pemData, err := IssueData(FormatPEM, KeyFormatDefault, is, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := pemBlocks(t, pemData["certificate"].(string)); len(got) != 1 || got[0] != "CERTIFICATE" {
		t.Fatalf("pem certificate blocks %v", got)
	}
	if pemData["private_key_type"] != "ec" || !strings.HasPrefix(pemData["private_key"].(string), "-----BEGIN EC PRIVATE KEY-----") {
		t.Fatalf("key fields %v %v", pemData["private_key_type"], pemData["private_key"])
	}
	if pemData["issuing_ca"] != CertPEM(ca.inter.Cert) {
		t.Fatal("issuing_ca is not the intermediate")
	}
	chain := pemData["ca_chain"].([]string)
	if len(chain) != 2 || chain[0] != CertPEM(ca.inter.Cert) || chain[1] != CertPEM(ca.root.Cert) {
		t.Fatal("ca_chain is not intermediate, root")
	}
	if pemData["serial_number"] != FormatSerial(is.Cert.SerialNumber) || pemData["expiration"] != is.Cert.NotAfter.Unix() {
		t.Fatal("serial or expiration wrong")
	}
	if strings.HasSuffix(pemData["certificate"].(string), "\n") {
		t.Fatal("Vault's PEM fields carry no trailing newline")
	}

	bundle, _ := IssueData(FormatPEMBundle, KeyFormatDefault, is, false)
	if got := pemBlocks(t, bundle["certificate"].(string)); strings.Join(got, ",") != "EC PRIVATE KEY,CERTIFICATE,CERTIFICATE,CERTIFICATE" {
		t.Fatalf("pem_bundle blocks %v", got)
	}

	der, _ := IssueData(FormatDER, KeyFormatDefault, is, false)
	raw, err := base64.StdEncoding.DecodeString(der["certificate"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := x509.ParseCertificate(raw); err != nil || !c.Equal(is.Cert) {
		t.Fatalf("der certificate: %v", err)
	}
	keyDER, _ := base64.StdEncoding.DecodeString(der["private_key"].(string))
	if k, err := ParsePrivateKeyDER(keyDER); err != nil || k.Type != "ec" {
		t.Fatalf("der key: %v", err)
	}

	p8, _ := IssueData(FormatPEM, KeyFormatPKCS8, is, false)
	if !strings.HasPrefix(p8["private_key"].(string), "-----BEGIN PRIVATE KEY-----") {
		t.Fatal("pkcs8 key not PKCS#8")
	}

	noRoots, _ := IssueData(FormatPEM, KeyFormatDefault, is, true)
	if c := noRoots["ca_chain"].([]string); len(c) != 1 || c[0] != CertPEM(ca.inter.Cert) {
		t.Fatal("remove_roots_from_chain kept the root")
	}

	signed := *is
	signed.Key = nil
	sd, _ := IssueData(FormatPEM, KeyFormatDefault, &signed, false)
	if _, ok := sd["private_key"]; ok {
		t.Fatal("a signed CSR has no private key in the response")
	}
}

func TestRootAndIntermediateData(t *testing.T) {
	now := fixedNow()
	key := mustKey(t, "rsa", 2048)
	root, err := SelfSign(rand.Reader, rootParams("Internal Root CA", now), key)
	if err != nil {
		t.Fatal(err)
	}
	internal, _ := RootData(FormatPEM, KeyFormatDefault, root, false)
	if internal["certificate"] != internal["issuing_ca"] || internal["private_key"] != nil {
		t.Fatal("internal root: issuing_ca must be the root, no key")
	}
	exported, _ := RootData(FormatPEMBundle, KeyFormatDefault, root, true)
	if got := pemBlocks(t, exported["certificate"].(string)); strings.Join(got, ",") != "RSA PRIVATE KEY,CERTIFICATE" {
		t.Fatalf("exported pem_bundle %v", got)
	}

	// sign-intermediate pem_bundle: the intermediate then the root.
	rootIss := &Issuer{Cert: root.Cert, Signer: key.Signer}
	interKey := mustKey(t, "ec", 256)
	csr, _ := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "Internal Intermediate CA"}}, interKey, false)
	inter, err := SignCSR(rand.Reader, Params{Subject: csr.Subject, NotBefore: now, NotAfter: now.Add(time.Hour), IsCA: true, MaxPathLength: -1}, csr, rootIss, false)
	if err != nil {
		t.Fatal(err)
	}
	sd := SignIntermediateData(FormatPEMBundle, inter)
	if sd["certificate"] != CertPEM(inter.Cert)+"\n"+CertPEM(root.Cert) {
		t.Fatal("pem_bundle certificate is not intermediate + root")
	}
	if c := sd["ca_chain"].([]string); len(c) != 2 || c[0] != CertPEM(inter.Cert) {
		t.Fatal("ca_chain is not intermediate, root")
	}
	pd := SignIntermediateData(FormatPEM, inter)
	if pd["certificate"] != CertPEM(inter.Cert) || pd["issuing_ca"] != CertPEM(root.Cert) {
		t.Fatal("pem certificate or issuing_ca wrong")
	}

	cd, _ := CSRData(FormatPEM, KeyFormatDefault, csr, interKey, false)
	if got := pemBlocks(t, cd["csr"].(string)); len(got) != 1 || got[0] != "CERTIFICATE REQUEST" || cd["private_key"] != nil {
		t.Fatalf("internal CSR data %v", got)
	}
	ce, _ := CSRData(FormatPEMBundle, KeyFormatDefault, csr, interKey, true)
	if got := pemBlocks(t, ce["csr"].(string)); strings.Join(got, ",") != "EC PRIVATE KEY,CERTIFICATE REQUEST" {
		t.Fatalf("exported CSR bundle %v", got)
	}
	if got := pemBlocks(t, ChainPEM([]*x509.Certificate{inter.Cert, root.Cert})); len(got) != 2 {
		t.Fatal("ChainPEM")
	}
}

func TestParseFormats(t *testing.T) {
	for in, want := range map[string]Format{"": FormatPEM, "pem": FormatPEM, "der": FormatDER, "pem_bundle": FormatPEMBundle} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("json"); err == nil || err.Error() != `the "format" path parameter must be "pem", "der", or "pem_bundle"` {
		t.Fatalf("err = %v", err)
	}
	if _, err := ParseSignIntermediateFormat("json"); err == nil || err.Error() != `The "format" path parameter must be "pem" or "der"` {
		t.Fatalf("err = %v", err)
	}
	if _, err := ParseKeyFormat("jwk"); !IsRefusal(err) {
		t.Fatalf("err = %v", err)
	}
}
