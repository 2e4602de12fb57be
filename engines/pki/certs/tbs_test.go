package certs

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"net/url"
	"testing"
	"time"
)

// x509TBS is the TBS certificate crypto/x509 encodes for tmpl.
func x509TBS(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) ([]byte, crypto.SignerOpts) {
	t.Helper()
	capture := &tbsCapture{pub: key.Public()}
	_, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, capture)
	if !errors.Is(err, errTBSCaptured) {
		t.Fatalf("x509.CreateCertificate: %v", err)
	}
	return capture.tbs, capture.opts
}

// TestLeafTBSIsX509s: for every leaf shape the engine makes with ECDSA
// keys (names of each kind, key usages over one and two bytes, every
// extended key usage, CA:FALSE, AIA and CRL URLs, other SANs and delta
// CRL URLs as extra extensions, an empty subject, validity past 2049,
// serials with the high bit set, CSR values copied verbatim, all curves),
// leafTBS writes exactly x509's bytes and asks for the same hash; shapes
// it does not take fall back (ok false).
func TestLeafTBSIsX509s(t *testing.T) {
	now := fixedNow()
	uri, _ := url.Parse("spiffe://example.com/svc/api")
	csrKey := mustKey(t, KeyEC, 256)
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "csr.example.com", Organization: []string{"CSR Org"}}, DNSNames: []string{"csr.example.com", "alt.example.com"},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte{5, 0}}},
	}, csrKey.Signer)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		t.Fatal(err)
	}
	verbatim := func(t *x509.Certificate) {
		t.RawSubject, t.DNSNames = csr.RawSubject, csr.DNSNames
		t.ExtraExtensions = append(t.ExtraExtensions, csr.Extensions...)
	}
	all := ExtKeyUsage(0)
	for _, e := range ekuOrder {
		all |= e.flag
	}
	cases := []struct {
		name   string
		p      func(p *Params)
		adjust func(*x509.Certificate)
		taken  bool
	}{
		{name: "loadgen leaf", p: func(*Params) {}, taken: true},
		{name: "names of every kind", taken: true, p: func(p *Params) {
			p.DNSNames = []string{"a.example.com", "*.b.example.com"}
			p.EmailAddresses = []string{"ops@example.com"}
			p.IPAddresses = []net.IP{net.ParseIP("10.1.2.3"), net.ParseIP("2001:db8::1")}
			p.URIs = []*url.URL{uri}
		}},
		{name: "full subject", taken: true, p: func(p *Params) {
			p.Subject = pkix.Name{CommonName: "x.example.com", Organization: []string{"Org", "Ørg"}, OrganizationalUnit: []string{"OU"},
				Country: []string{"DE"}, Locality: []string{"Berlin"}, Province: []string{"BE"}, StreetAddress: []string{"Str 1"},
				PostalCode: []string{"10115"}, SerialNumber: "1234"}
		}},
		{name: "no key usage, one usage, two bytes", taken: true, p: func(p *Params) {
			p.KeyUsage = 0
			p.ExtKeyUsage = 0
		}},
		{name: "key usage second byte", taken: true, p: func(p *Params) {
			p.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageDecipherOnly
		}},
		{name: "key usage every bit", taken: true, p: func(p *Params) { p.KeyUsage = 0x1ff }},
		{name: "key usage content commitment only", taken: true, p: func(p *Params) { p.KeyUsage = x509.KeyUsageContentCommitment }},
		{name: "every eku and oids", taken: true, p: func(p *Params) {
			p.ExtKeyUsage = all
			p.ExtKeyUsageOIDs = []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 99999, 1}, {2, 5, 29, 37, 0}}
		}},
		{name: "only eku oids", taken: true, p: func(p *Params) {
			p.ExtKeyUsage = 0
			p.ExtKeyUsageOIDs = []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 99999, 1}}
		}},
		{name: "ca false", taken: true, p: func(p *Params) { p.BasicConstraintsValidForNonCA = true }},
		{name: "urls", taken: true, p: func(p *Params) {
			p.URLs = URLs{
				IssuingCertificates:   []string{"http://ca.example.com/v1/pki/ca", "http://ca2.example.com/ca"},
				CRLDistributionPoints: []string{"http://ca.example.com/v1/pki/crl", "ldap://x/crl"},
				OCSPServers:           []string{"http://ocsp.example.com"}, DeltaCRLDistributionPoints: []string{"http://ca.example.com/v1/pki/crl/delta"},
			}
		}},
		{name: "ocsp only", taken: true, p: func(p *Params) { p.URLs = URLs{OCSPServers: []string{"http://ocsp.example.com"}} }},
		{name: "other sans", taken: true, p: func(p *Params) {
			p.OtherSANs = map[string][]string{"1.3.6.1.4.1.311.20.2.3": {"devops@example.com"}}
			p.EmailAddresses = []string{"ops@example.com"}
		}},
		{name: "empty subject, critical san", taken: true, p: func(p *Params) { p.Subject = pkix.Name{} }},
		{name: "empty subject, no names", taken: true, p: func(p *Params) { p.Subject, p.DNSNames = pkix.Name{}, nil }},
		{name: "validity past 2049", taken: true, p: func(p *Params) { p.NotAfter = time.Date(2051, 6, 1, 0, 0, 0, 0, time.UTC) }},
		{name: "fractional and local times", taken: true, p: func(p *Params) {
			loc := time.FixedZone("X", 5*3600+1800)
			p.NotBefore, p.NotAfter = now.Add(1234567*time.Microsecond).In(loc), now.Add(time.Hour+time.Nanosecond).In(loc)
		}},
		{name: "serial with high bit", taken: true, p: func(p *Params) { p.Serial = new(big.Int).SetBytes(bytes.Repeat([]byte{0xff}, 20)) }},
		{name: "serial zero", taken: true, p: func(p *Params) { p.Serial = big.NewInt(0) }},
		{name: "csr values verbatim", taken: true, p: func(*Params) {}, adjust: verbatim},
		{name: "skid given", taken: true, p: func(p *Params) { p.SKID = []byte{1, 2, 3} }},
		{name: "ca", p: func(p *Params) { p.IsCA, p.MaxPathLength = true, -1 }},
		{name: "non-ia5 dns name", p: func(p *Params) { p.DNSNames = []string{"bücher.example.com"} }},
		{name: "non-ia5 email", p: func(p *Params) { p.EmailAddresses = []string{"jürgen@example.com"} }},
		{name: "uri with a non-ascii host (escaped)", taken: true, p: func(p *Params) {
			u, _ := url.Parse("https://bücher.example.com/")
			p.URIs = []*url.URL{u}
		}},
	}
	keys := []struct {
		typ        string
		issuerBits int
		leafBits   int
	}{{KeyEC, 256, 256}, {KeyEC, 384, 256}, {KeyEC, 521, 384}, {KeyEC, 256, 521}, {KeyEC, 256, 224}, {KeyEC, 224, 256}}
	for _, k := range keys {
		ca := newTestCA(t, k.typ, k.issuerBits)
		leafKey := mustKey(t, KeyEC, k.leafBits)
		for _, c := range cases {
			p := leafParams("api.internal.example.com", now, time.Hour)
			c.p(&p)
			tmpl, err := template(rand.Reader, p, leafKey.Signer.Public())
			if err != nil {
				t.Fatal(err)
			}
			if c.adjust != nil {
				c.adjust(tmpl)
			}
			tmpl.AuthorityKeyId = ca.inter.Cert.SubjectKeyId
			tmpl.SignatureAlgorithm = signatureAlgorithm(ca.inter.Signer.Public(), p)
			got, hash, ok := leafTBS(tmpl, ca.inter.Cert, leafKey.Signer.Public(), ca.inter.Signer.Public())
			if ok != c.taken {
				t.Fatalf("P-%d/P-%d %s: leafTBS took it: %v, want %v", k.issuerBits, k.leafBits, c.name, ok, c.taken)
			}
			if !ok {
				continue
			}
			want, opts := x509TBS(t, tmpl, ca.inter.Cert, leafKey.Signer.Public(), ca.inter.Signer)
			if !bytes.Equal(got, want) {
				t.Fatalf("P-%d/P-%d %s: TBS differs from x509's\n got %x\nwant %x", k.issuerBits, k.leafBits, c.name, got, want)
			}
			if opts.HashFunc() != hash {
				t.Fatalf("%s: hash %v, x509 %v", c.name, hash, opts.HashFunc())
			}
		}
	}
}

// TestLeafTBSFallsBack: an RSA issuer or leaf key, or an issuer key that
// is not the parent's, go through x509 (which refuses the latter).
func TestLeafTBSFallsBack(t *testing.T) {
	ec, rsaCA := newTestCA(t, KeyEC, 256), newTestCA(t, KeyRSA, 2048)
	p := leafParams("api.internal.example.com", fixedNow(), time.Hour)
	ecKey, rsaKey := mustKey(t, KeyEC, 256), mustKey(t, KeyRSA, 2048)
	for _, c := range []struct {
		name      string
		iss       *Issuer
		leaf      crypto.PublicKey
		signerPub crypto.PublicKey
	}{
		{"rsa issuer", rsaCA.inter, ecKey.Signer.Public(), rsaCA.inter.Signer.Public()},
		{"rsa leaf", ec.inter, rsaKey.Signer.Public(), ec.inter.Signer.Public()},
		{"wrong issuer key", ec.inter, ecKey.Signer.Public(), ec.root.Signer.Public()},
	} {
		tmpl, err := template(rand.Reader, p, c.leaf)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SignatureAlgorithm = signatureAlgorithm(c.signerPub, p)
		if _, _, ok := leafTBS(tmpl, c.iss.Cert, c.leaf, c.signerPub); ok {
			t.Fatalf("%s: leafTBS took it", c.name)
		}
	}
	// The mismatched key is still refused, by x509, through the issue path.
	bad := &Issuer{Cert: ec.inter.Cert, Signer: ec.root.Signer}
	if _, err := IssueWithKey(rand.Reader, p, ecKey, bad); err == nil {
		t.Fatal("a leaf was signed with a key that is not the issuer's")
	}
}
