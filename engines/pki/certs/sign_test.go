package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSelfSignRoot(t *testing.T) {
	for _, kt := range []struct {
		typ  string
		bits int
		alg  x509.SignatureAlgorithm
	}{
		{"rsa", 2048, x509.SHA256WithRSA},
		{"ec", 256, x509.ECDSAWithSHA256},
		{"ec", 384, x509.ECDSAWithSHA384},
		{"ec", 521, x509.ECDSAWithSHA512},
		{"ed25519", 0, x509.PureEd25519},
	} {
		t.Run(kt.typ+itoa(kt.bits), func(t *testing.T) {
			now := fixedNow()
			key := mustKey(t, kt.typ, kt.bits)
			p := rootParams("Internal Root CA", now)
			p.URLs = URLs{IssuingCertificates: []string{"http://127.0.0.1:8200/v1/pki/ca"}}
			root, err := SelfSign(rand.Reader, p, key)
			if err != nil {
				t.Fatal(err)
			}
			c := root.Cert
			if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != -1 {
				t.Fatalf("CA flags: isCA=%v bc=%v maxPath=%d", c.IsCA, c.BasicConstraintsValid, c.MaxPathLen)
			}
			if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
				t.Fatalf("key usage %v", c.KeyUsage)
			}
			if !IsSelfSigned(c) || !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) {
				t.Fatal("root is not self-signed with AKID = SKID")
			}
			if c.SignatureAlgorithm != kt.alg {
				t.Fatalf("signature algorithm %v, want %v", c.SignatureAlgorithm, kt.alg)
			}
			if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 159 {
				t.Fatalf("serial %v out of range", c.SerialNumber)
			}
			if !slices.Equal(c.IssuingCertificateURL, p.URLs.IssuingCertificates) {
				t.Fatalf("AIA %v", c.IssuingCertificateURL)
			}
			if root.IssuingCA != c || len(root.CAChain) != 0 {
				t.Fatal("a root's issuing CA is itself and its chain is empty")
			}
		})
	}
}

func TestSignCSRLeafAndChain(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	now := fixedNow()
	leafKey := mustKey(t, "ec", 256)
	p := leafParams("api.internal.example.com", now, 8*time.Hour)
	p.URLs = URLs{
		IssuingCertificates:        []string{"http://127.0.0.1:8200/v1/pki_int/ca"},
		CRLDistributionPoints:      []string{"http://127.0.0.1:8200/v1/pki_int/crl"},
		DeltaCRLDistributionPoints: []string{"http://127.0.0.1:8200/v1/pki_int/crl/delta"},
		OCSPServers:                []string{"http://127.0.0.1:8200/v1/pki_int/ocsp"},
	}
	is, err := IssueWithKey(rand.Reader, p, leafKey, ca.inter)
	if err != nil {
		t.Fatal(err)
	}
	c := is.Cert
	if err := verifyAt(t, c, []*x509.Certificate{ca.root.Cert}, []*x509.Certificate{ca.inter.Cert}, "api.internal.example.com"); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.IsCA || c.BasicConstraintsValid {
		t.Fatal("a leaf must not carry CA basic constraints by default")
	}
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}) {
		t.Fatalf("EKU %v", c.ExtKeyUsage)
	}
	if !slices.Equal(c.OCSPServer, p.URLs.OCSPServers) || !slices.Equal(c.CRLDistributionPoints, p.URLs.CRLDistributionPoints) ||
		!slices.Equal(c.IssuingCertificateURL, p.URLs.IssuingCertificates) {
		t.Fatalf("AIA/CRL DP not written: %v %v %v", c.OCSPServer, c.CRLDistributionPoints, c.IssuingCertificateURL)
	}
	var fresh bool
	for _, e := range c.Extensions {
		if e.Id.Equal(OIDFreshestCRL) {
			fresh = bytes.Contains(e.Value, []byte("/crl/delta"))
		}
	}
	if !fresh {
		t.Fatal("freshest CRL extension missing")
	}
	if !bytes.Equal(c.AuthorityKeyId, ca.inter.Cert.SubjectKeyId) {
		t.Fatal("AKID is not the issuer's SKID")
	}
	if len(is.CAChain) != 2 || is.CAChain[0] != ca.inter.Cert || is.CAChain[1] != ca.root.Cert {
		t.Fatalf("ca_chain %d entries, want intermediate then root", len(is.CAChain))
	}
	if !c.NotAfter.Equal(now.Add(8 * time.Hour).Truncate(time.Second)) {
		t.Fatalf("NotAfter %v", c.NotAfter)
	}
}

func TestSubjectKeyIDMethod1(t *testing.T) {
	// RFC 5280 method 1 as Vault computes it: SHA-1 over the
	// subjectPublicKey bits, i.e. PKCS#1 for RSA, the uncompressed point
	// for ECDSA, the raw key for Ed25519.
	rk := mustKey(t, "rsa", 2048).Signer.Public().(*rsa.PublicKey)
	ek := mustKey(t, "ec", 256).Signer.Public().(*ecdsa.PublicKey)
	dk := mustKey(t, "ed25519", 0).Signer.Public().(ed25519.PublicKey)
	point, err := ek.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pub  crypto.PublicKey
		bits []byte
	}{
		{rk, x509.MarshalPKCS1PublicKey(rk)},
		{ek, point},
		{dk, dk},
	} {
		want := sha1.Sum(c.bits)
		got, err := SubjectKeyID(c.pub)
		if err != nil || !bytes.Equal(got, want[:]) {
			t.Errorf("%T: SKID %x, want %x (%v)", c.pub, got, want, err)
		}
	}
	root, err := SelfSign(rand.Reader, rootParams("r", fixedNow()), mustKey(t, "ec", 256))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := SubjectKeyID(root.Cert.PublicKey)
	if !bytes.Equal(root.Cert.SubjectKeyId, want) {
		t.Fatal("certificate SKID is not method 1")
	}
}

func TestSignCSRRefusesBadSignature(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	csr, err := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "x.example.com"}}, mustKey(t, "ec", 256), false)
	if err != nil {
		t.Fatal(err)
	}
	raw := bytes.Clone(csr.Raw)
	raw[len(raw)-3] ^= 0xff // inside the signature
	tampered, err := x509.ParseCertificateRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	_, err = SignCSR(rand.Reader, leafParams("x.example.com", fixedNow(), time.Hour), tampered, ca.inter, false)
	if err == nil || err.Error() != "request signature invalid" || !IsRefusal(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestSignIntermediatePathLength(t *testing.T) {
	now := fixedNow()
	rootKey := mustKey(t, "ec", 256)
	rp := rootParams("root pathlen 0", now)
	rp.MaxPathLength = 0
	root, err := SelfSign(rand.Reader, rp, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	if root.Cert.MaxPathLen != 0 || !root.Cert.MaxPathLenZero {
		t.Fatal("max_path_length=0 not written")
	}
	csr, _ := CreateCSR(rand.Reader, Params{Subject: pkix.Name{CommonName: "sub"}}, mustKey(t, "ec", 256), true)
	p := Params{Subject: csr.Subject, NotBefore: now, NotAfter: now.Add(time.Hour), IsCA: true, MaxPathLength: -1}
	_, err = SignCSR(rand.Reader, p, csr, &Issuer{Cert: root.Cert, Signer: rootKey.Signer}, false)
	want := "signing certificate has a max path length of zero, and cannot issue further CA certificates"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	// A leaf from the same root is fine.
	if _, err := SignCSR(rand.Reader, leafParams("sub", now, time.Hour), csr, &Issuer{Cert: root.Cert, Signer: rootKey.Signer}, false); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateValidityRefusals(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	now := fixedNow()
	p := leafParams("a.example.com", now, time.Hour)
	p.NotBefore = now.Add(2 * time.Hour)
	_, err := IssueWithKey(rand.Reader, p, mustKey(t, "ec", 256), ca.inter)
	if err == nil || !strings.HasPrefix(err.Error(), "The certificate's Not Before (") || !strings.Contains(err.Error(), "is later than the certificate's Not After") {
		t.Fatalf("err = %v", err)
	}
	p.NotBefore = p.NotAfter
	_, err = IssueWithKey(rand.Reader, p, mustKey(t, "ec", 256), ca.inter)
	if err == nil || !strings.Contains(err.Error(), "is equal to the certificate's Not After") {
		t.Fatalf("err = %v", err)
	}
	if _, err := IssueWithKey(rand.Reader, Params{}, mustKey(t, "ec", 256), ca.inter); err == nil || IsRefusal(err) {
		t.Fatalf("missing validity must be an internal error, got %v", err)
	}
	if _, err := IssueWithKey(rand.Reader, leafParams("a", now, time.Hour), mustKey(t, "ec", 256), &Issuer{Cert: ca.inter.Cert}); err != ErrNoSigner {
		t.Fatalf("err = %v, want ErrNoSigner", err)
	}
}

func TestAllNameKindsAndOtherSANs(t *testing.T) {
	ca := newTestCA(t, "rsa", 2048)
	now := fixedNow()
	u, _ := url.Parse("spiffe://example.org/ns/default/sa/api")
	p := leafParams("api.example.com", now, time.Hour)
	p.DNSNames = []string{"api.example.com", "www.example.com"}
	p.EmailAddresses = []string{"ops@example.com"}
	p.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	p.URIs = []*url.URL{u}
	p.OtherSANs = map[string][]string{"1.3.6.1.4.1.311.20.2.3": {"devops@nope.com"}}
	p.Subject.Organization = []string{"Example"}
	p.Subject.OrganizationalUnit = []string{"Ops"}
	p.Subject.Country = []string{"DE"}
	p.Subject.Locality = []string{"Berlin"}
	p.Subject.Province = []string{"BE"}
	is, err := IssueWithKey(rand.Reader, p, mustKey(t, "rsa", 2048), ca.inter)
	if err != nil {
		t.Fatal(err)
	}
	c := is.Cert
	if !slices.Equal(c.DNSNames, p.DNSNames) || !slices.Equal(c.EmailAddresses, p.EmailAddresses) ||
		len(c.IPAddresses) != 2 || !c.IPAddresses[0].Equal(p.IPAddresses[0]) || len(c.URIs) != 1 || c.URIs[0].String() != u.String() {
		t.Fatalf("names not preserved: %v %v %v %v", c.DNSNames, c.EmailAddresses, c.IPAddresses, c.URIs)
	}
	if c.Subject.Organization[0] != "Example" || c.Subject.Country[0] != "DE" || c.Subject.Province[0] != "BE" {
		t.Fatalf("subject %v", c.Subject)
	}
	others, err := OtherSANsFromExtensions(c.Extensions)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(others, []string{"1.3.6.1.4.1.311.20.2.3;UTF-8:devops@nope.com"}) {
		t.Fatalf("other SANs %v", others)
	}
	if err := verifyAt(t, c, []*x509.Certificate{ca.root.Cert}, []*x509.Certificate{ca.inter.Cert}, "www.example.com"); err != nil {
		t.Fatal(err)
	}
}

func TestSignCSRUseCSRValues(t *testing.T) {
	ca := newTestCA(t, "ec", 256)
	now := fixedNow()
	key := mustKey(t, "ec", 256)
	csrP := Params{
		Subject:  pkix.Name{CommonName: "verbatim.example.com", Organization: []string{"CSR Org"}},
		DNSNames: []string{"verbatim.example.com", "alt.example.com"},
	}
	csr, err := CreateCSR(rand.Reader, csrP, key, true)
	if err != nil {
		t.Fatal(err)
	}
	if !CSRHasBasicConstraints(csr) {
		t.Fatal("add_basic_constraints not in CSR")
	}
	p := leafParams("ignored.example.com", now, time.Hour)
	is, err := SignCSR(rand.Reader, p, csr, ca.inter, true)
	if err != nil {
		t.Fatal(err)
	}
	if is.Cert.Subject.CommonName != "verbatim.example.com" || is.Cert.Subject.Organization[0] != "CSR Org" {
		t.Fatalf("subject not verbatim: %v", is.Cert.Subject)
	}
	if !slices.Equal(is.Cert.DNSNames, csrP.DNSNames) {
		t.Fatalf("DNS names %v", is.Cert.DNSNames)
	}
	if is.Cert.IsCA {
		t.Fatal("the CSR's basic constraints must not be copied")
	}
}

func TestCrossSign(t *testing.T) {
	now := fixedNow()
	a := newTestCA(t, "ec", 256) // root A -> intermediate
	rootBKey := mustKey(t, "ec", 384)
	rootB, err := SelfSign(rand.Reader, rootParams("Other Root", now), rootBKey)
	if err != nil {
		t.Fatal(err)
	}
	issB := &Issuer{Cert: rootB.Cert, Signer: rootBKey.Signer}

	// intermediate/cross-sign: a CSR over the intermediate's existing key.
	interKey, err := WrapSigner(a.inter.Signer)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := CreateCSR(rand.Reader, Params{Subject: a.inter.Cert.Subject}, interKey, false)
	if err != nil {
		t.Fatal(err)
	}
	p := CrossSignParams(a.inter.Cert, Params{NotBefore: now, NotAfter: now.Add(365 * 24 * time.Hour)})
	cross, err := SignCSR(rand.Reader, p, csr, issB, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cross.Cert.SubjectKeyId, a.inter.Cert.SubjectKeyId) || !bytes.Equal(cross.Cert.RawSubject, a.inter.Cert.RawSubject) {
		t.Fatal("cross-signed certificate must keep subject and SKID")
	}
	leaf, err := IssueWithKey(rand.Reader, leafParams("svc.example.com", now, time.Hour), mustKey(t, "ec", 256), a.inter)
	if err != nil {
		t.Fatal(err)
	}
	// The same leaf chains to root A through the original and to root B
	// through the cross-signed intermediate.
	if err := verifyAt(t, leaf.Cert, []*x509.Certificate{a.root.Cert}, []*x509.Certificate{a.inter.Cert}, "svc.example.com"); err != nil {
		t.Fatalf("via root A: %v", err)
	}
	if err := verifyAt(t, leaf.Cert, []*x509.Certificate{rootB.Cert}, []*x509.Certificate{cross.Cert}, "svc.example.com"); err != nil {
		t.Fatalf("via root B: %v", err)
	}
	if err := verifyAt(t, leaf.Cert, []*x509.Certificate{rootB.Cert}, []*x509.Certificate{a.inter.Cert}, "svc.example.com"); err == nil {
		t.Fatal("the original intermediate must not chain to root B")
	}
}

func TestSignSelfIssued(t *testing.T) {
	now := fixedNow()
	a := newTestCA(t, "ec", 256)
	// A second root that will be re-signed by root A (a root rollover).
	newKey := mustKey(t, "rsa", 2048)
	newRoot, err := SelfSign(rand.Reader, rootParams("Internal Root CA", now), newKey)
	if err != nil {
		t.Fatal(err)
	}
	urls := URLs{IssuingCertificates: []string{"http://127.0.0.1:8200/v1/pki/ca"}}
	re, err := SignSelfIssued(rand.Reader, CertPEM(newRoot.Cert), a.root, urls, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := re.CheckSignatureFrom(a.root.Cert); err != nil {
		t.Fatalf("not signed by root A: %v", err)
	}
	if !PublicKeysEqual(re.PublicKey, newKey.Signer.Public()) || !slices.Equal(re.IssuingCertificateURL, urls.IssuingCertificates) {
		t.Fatal("key or URLs not carried")
	}
	if _, err := SignSelfIssued(rand.Reader, CertPEM(newRoot.Cert), a.root, urls, true); err == nil ||
		!strings.Contains(err.Error(), "require_matching_certificate_algorithms is true") {
		t.Fatalf("mismatched algorithms: err = %v", err)
	}
	for _, c := range []struct{ in, want string }{
		{"junk", "certificate could not be PEM-decoded"},
		{CertPEM(a.inter.Cert), "given certificate is not self-issued"},
	} {
		if _, err := SignSelfIssued(rand.Reader, c.in, a.root, urls, false); err == nil || err.Error() != c.want {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
	leaf, _ := IssueWithKey(rand.Reader, leafParams("l.example.com", now, time.Hour), mustKey(t, "ec", 256), a.inter)
	if _, err := SignSelfIssued(rand.Reader, CertPEM(leaf.Cert), a.root, urls, false); err == nil || err.Error() != "given certificate is not a CA certificate" {
		t.Errorf("leaf: err = %v", err)
	}
}

func TestExtKeyUsageParsing(t *testing.T) {
	set := ParseExtKeyUsages([]string{"ClientAuth", " serverauth", "TimeStamping", "bogus"})
	want := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageTimeStamping}
	if !slices.Equal(set.List(), want) {
		t.Fatalf("got %v", set.List())
	}
	ku := ParseKeyUsages([]string{"DigitalSignature", "keyagreement", "KeyEncipherment", "nonsense"})
	if ku != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement|x509.KeyUsageKeyEncipherment {
		t.Fatalf("key usage %v", ku)
	}
	oid, err := ParseOID("1.3.6.1.5.5.7.3.1")
	if err != nil || !oid.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}) {
		t.Fatalf("oid %v %v", oid, err)
	}
	for _, bad := range []string{"", "1", "1..2", "1.x"} {
		if _, err := ParseOID(bad); err == nil {
			t.Errorf("ParseOID(%q) accepted", bad)
		}
	}
}

func TestRSASignatureAlgorithms(t *testing.T) {
	now := fixedNow()
	key := mustKey(t, "rsa", 2048)
	for _, c := range []struct {
		bits int
		pss  bool
		want x509.SignatureAlgorithm
	}{
		{0, false, x509.SHA256WithRSA},
		{384, false, x509.SHA384WithRSA},
		{512, false, x509.SHA512WithRSA},
		{256, true, x509.SHA256WithRSAPSS},
		{512, true, x509.SHA512WithRSAPSS},
	} {
		p := rootParams("r", now)
		p.SignatureBits, p.UsePSS = c.bits, c.pss
		root, err := SelfSign(rand.Reader, p, key)
		if err != nil {
			t.Fatal(err)
		}
		if root.Cert.SignatureAlgorithm != c.want {
			t.Errorf("bits=%d pss=%v: %v, want %v", c.bits, c.pss, root.Cert.SignatureAlgorithm, c.want)
		}
	}
}
