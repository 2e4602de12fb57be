package policy

import (
	"crypto/x509/pkix"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

func TestSignCSRKeyChecks(t *testing.T) {
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	subj := certs.Params{Subject: pkix.Name{CommonName: "api.internal.example.com"}}
	rsa2048 := csrPEM(t, "rsa", 2048, subj)
	p224 := csrPEM(t, "ec", 224, subj)
	p256 := csrPEM(t, "ec", 256, subj)
	ed := csrPEM(t, "ed25519", 0, subj)
	cases := []struct {
		name string
		role func(*Role)
		csr  string
		want string
	}{
		{name: "rsa role rsa csr", csr: rsa2048},
		{name: "rsa role ec csr", csr: p256, want: "role requires keys of type rsa"},
		{name: "ec role rsa csr", role: func(r *Role) { r.KeyType, r.KeyBits = "ec", 256 }, csr: rsa2048, want: "role requires keys of type ec"},
		{name: "ed25519 role ec csr", role: func(r *Role) { r.KeyType, r.KeyBits = "ed25519", 0 }, csr: p256, want: "role requires keys of type ed25519"},
		{name: "ed25519 role", role: func(r *Role) { r.KeyType, r.KeyBits = "ed25519", 0 }, csr: ed},
		{name: "rsa role too small", role: func(r *Role) { r.KeyBits = 4096 }, csr: rsa2048, want: "role requires a minimum of a 4096-bit key, but CSR's key is 2048 bits"},
		{name: "ec role too small", role: func(r *Role) { r.KeyType, r.KeyBits = "ec", 256 }, csr: p224, want: "role requires a minimum of a 256-bit key, but CSR's key is 224 bits"},
		{name: "any accepts p224", role: func(r *Role) { r.KeyType = "any" }, csr: p224},
		{name: "any accepts ed25519", role: func(r *Role) { r.KeyType = "any" }, csr: ed},
		{name: "empty csr", csr: "", want: `"csr" is empty`},
		{name: "not a csr", csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", want: "certificate request could not be parsed: asn1: structure error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role := tutorialRole(t)
			if c.role != nil {
				c.role(&role)
			}
			d, err := DecideSign(role, Request{CSR: c.csr, TTL: time.Hour}, lim)
			if c.want != "" {
				// Prefix: Go's parse error follows Vault's text.
				if err == nil || !strings.HasPrefix(err.Error(), c.want) || !certs.IsRefusal(err) {
					t.Fatalf("err = %v, want %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.CSR == nil || d.Params.Subject.CommonName != "api.internal.example.com" {
				t.Fatalf("decision %+v", d)
			}
		})
	}
}

func TestSignWeakRSAAnyRole(t *testing.T) {
	// A 1024-bit RSA CSR: refused by a role of any key type, and by an
	// RSA role on size.
	csr := csrPEMWeakRSA(t)
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	role := tutorialRole(t)
	if _, err := DecideSign(role, Request{CSR: csr}, lim); err == nil || err.Error() != "role requires a minimum of a 2048-bit key, but CSR's key is 1024 bits" {
		t.Fatalf("rsa role: err = %v", err)
	}
	role.KeyType = "any"
	if _, err := DecideSign(role, Request{CSR: csr}, lim); err == nil || err.Error() != "RSA keys < 2048 bits are unsafe and not supported" {
		t.Fatalf("any role: err = %v", err)
	}
}

func TestSignUsesCSRNames(t *testing.T) {
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	u, _ := url.Parse("spiffe://example.org/api")
	csr := csrPEM(t, "rsa", 2048, certs.Params{
		Subject:     pkix.Name{CommonName: "api.internal.example.com"},
		DNSNames:    []string{"b.internal.example.com"},
		IPAddresses: []net.IP{net.ParseIP("10.1.2.3")},
	})
	role := tutorialRole(t)
	d, err := DecideSign(role, Request{CSR: csr, CommonName: "ignored.internal.example.com", AltNames: "x.internal.example.com"}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if d.Params.Subject.CommonName != "api.internal.example.com" ||
		!slices.Equal(d.Params.DNSNames, []string{"b.internal.example.com", "api.internal.example.com"}) ||
		len(d.Params.IPAddresses) != 1 {
		t.Fatalf("params %+v", d.Params)
	}
	for _, w := range []string{
		`the common_name field was provided but the role is set with "use_csr_common_name" set to true`,
		`the alt_names field was provided but the role is set with "use_csr_sans" set to true`,
	} {
		if !slices.Contains(d.Warnings, w) {
			t.Fatalf("warnings %q lack %q", d.Warnings, w)
		}
	}

	// use_csr_common_name=false, use_csr_sans=false: the request decides.
	role.UseCSRCommonName, role.UseCSRSANs = false, false
	d, err = DecideSign(role, Request{CSR: csr, CommonName: "c.internal.example.com"}, lim)
	if err != nil || d.Params.Subject.CommonName != "c.internal.example.com" || !slices.Equal(d.Params.DNSNames, []string{"c.internal.example.com"}) ||
		len(d.Params.IPAddresses) != 0 {
		t.Fatalf("request names: %+v %v", d, err)
	}

	role = tutorialRole(t)
	for _, c := range []struct {
		name string
		p    certs.Params
		role func(*Role)
		want string
	}{
		{"foreign CSR SAN", certs.Params{Subject: pkix.Name{CommonName: "api.internal.example.com"}, DNSNames: []string{"evil.com"}}, nil,
			"subject alternate name evil.com not allowed by this role"},
		{"foreign CSR CN", certs.Params{Subject: pkix.Name{CommonName: "evil.com"}}, nil, "common name evil.com not allowed by this role"},
		{"CSR IP refused", certs.Params{Subject: pkix.Name{CommonName: "api.internal.example.com"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}},
			func(r *Role) { r.AllowIPSANs = false }, "IP Subject Alternative Names are not allowed in this role, but was provided via CSR"},
		{"CSR URI refused", certs.Params{Subject: pkix.Name{CommonName: "api.internal.example.com"}, URIs: []*url.URL{u}}, nil,
			"URI Subject Alternative Names are not allowed in this role, but were provided via CSR"},
		{"CSR URI outside glob", certs.Params{Subject: pkix.Name{CommonName: "api.internal.example.com"}, URIs: []*url.URL{u}},
			func(r *Role) { r.AllowedURISANs = []string{"spiffe://other.org/*"} },
			"URI Subject Alternative Names were provided via CSR which are not valid for this role"},
		{"CSR other SAN refused", certs.Params{Subject: pkix.Name{CommonName: "api.internal.example.com"}, OtherSANs: map[string][]string{"1.2.3.4": {"x"}}}, nil,
			"other SAN OID 1.2.3.4 not allowed by this role"},
	} {
		r := role
		if c.role != nil {
			c.role(&r)
		}
		_, err := DecideSign(r, Request{CSR: csrPEM(t, "rsa", 2048, c.p)}, lim)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSignVerbatim(t *testing.T) {
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	csr := csrPEM(t, "ec", 256, certs.Params{Subject: pkix.Name{CommonName: "anything.org", Organization: []string{"X"}}, DNSNames: []string{"foo.bar"}})
	d, err := DecideSignVerbatim(nil, Request{CSR: csr, TTL: time.Hour}, VerbatimOptions{}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if !d.UseCSRValues || d.Role.GenerateLease || d.Params.Subject.CommonName != "anything.org" {
		t.Fatalf("decision %+v", d)
	}
	base := tutorialRole(t)
	base.NoStore = true
	d, err = DecideSignVerbatim(&base, Request{CSR: csr, TTL: 72 * time.Hour}, VerbatimOptions{}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Role.GenerateLease || !d.Role.NoStore || !d.Params.NotAfter.Equal(fixedNow().Add(24*time.Hour)) {
		t.Fatalf("role values not applied: %+v", d.Role)
	}
}
