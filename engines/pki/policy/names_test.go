package policy

import (
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// TestIssueNamePolicy runs issue/:role requests against variants of the
// tutorial's role and checks Vault's decision: the names that end up in
// the certificate, or Vault's refusal message.
func TestIssueNamePolicy(t *testing.T) {
	type check func(t *testing.T, p certs.Params)
	dns := func(want ...string) check {
		return func(t *testing.T, p certs.Params) {
			if !slices.Equal(p.DNSNames, want) {
				t.Fatalf("DNS names %v, want %v", p.DNSNames, want)
			}
		}
	}
	cases := []struct {
		name string
		role func(*Role)
		req  Request
		want string // refusal message; "" = allowed
		chk  check
	}{
		// allowed_domains with allow_subdomains (the tutorial role).
		{name: "subdomain", req: Request{CommonName: "api.internal.example.com"}, chk: dns("api.internal.example.com")},
		{name: "deep subdomain", req: Request{CommonName: "a.b.internal.example.com"}, chk: dns("a.b.internal.example.com")},
		{name: "bare domain without allow_bare_domains", req: Request{CommonName: "internal.example.com"},
			want: "common name internal.example.com not allowed by this role"},
		{name: "foreign domain", req: Request{CommonName: "api.evil.com"}, want: "common name api.evil.com not allowed by this role"},
		{name: "suffix trick", req: Request{CommonName: "evilinternal.example.com"}, want: "common name evilinternal.example.com not allowed by this role"},
		{name: "bare domain allowed", role: func(r *Role) { r.AllowBareDomains = true }, req: Request{CommonName: "internal.example.com"},
			chk: dns("internal.example.com")},
		{name: "subdomains off", role: func(r *Role) { r.AllowSubdomains = false; r.AllowBareDomains = true }, req: Request{CommonName: "api.internal.example.com"},
			want: "common name api.internal.example.com not allowed by this role"},
		{name: "alt names", req: Request{CommonName: "api.internal.example.com", AltNames: "b.internal.example.com, c.internal.example.com,b.internal.example.com"},
			chk: dns("api.internal.example.com", "b.internal.example.com", "c.internal.example.com")},
		{name: "foreign alt name", req: Request{CommonName: "api.internal.example.com", AltNames: "b.internal.example.com,evil.com"},
			want: "subject alternate name evil.com not allowed by this role"},
		{name: "exclude cn from sans", req: Request{CommonName: "api.internal.example.com", AltNames: "b.internal.example.com", ExcludeCNFromSANs: true},
			chk: dns("b.internal.example.com")},
		{name: "excluded cn still checked", req: Request{CommonName: "evil.com", ExcludeCNFromSANs: true},
			want: "common name evil.com not allowed by this role"},

		// Wildcards (RFC 6125).
		{name: "wildcard", req: Request{CommonName: "*.internal.example.com"}, chk: dns("*.internal.example.com")},
		// Allowed, but like Vault kept out of the DNS SANs: only "*." is a
		// wildcard prefix its hostname pattern accepts.
		{name: "partial wildcard label", req: Request{CommonName: "api*.internal.example.com"}, chk: dns()},
		{name: "two wildcards", req: Request{CommonName: "*.*.internal.example.com"}, want: "common name *.*.internal.example.com not allowed by this role"},
		{name: "wildcard not leftmost", req: Request{CommonName: "a.*.internal.example.com"}, want: "common name a.*.internal.example.com not allowed by this role"},
		{name: "wildcards forbidden", role: func(r *Role) { r.AllowWildcardCertificates = false }, req: Request{CommonName: "*.internal.example.com"},
			want: "common name *.internal.example.com not allowed by this role"},
		{name: "wildcards forbidden beats allow_any_name", role: func(r *Role) { r.AllowWildcardCertificates = false; r.AllowAnyName = true },
			req: Request{CommonName: "*.anything.org"}, want: "common name *.anything.org not allowed by this role"},

		// Globs.
		{name: "glob domain", role: func(r *Role) {
			r.AllowedDomains = []string{"*.svc.cluster.local"}
			r.AllowGlobDomains = true
			r.AllowSubdomains = false
		},
			req: Request{CommonName: "api.prod.svc.cluster.local"}, chk: dns("api.prod.svc.cluster.local")},
		{name: "glob off", role: func(r *Role) { r.AllowedDomains = []string{"*.svc.cluster.local"}; r.AllowSubdomains = false },
			req: Request{CommonName: "api.svc.cluster.local"}, want: "common name api.svc.cluster.local not allowed by this role"},
		{name: "glob mismatch", role: func(r *Role) { r.AllowedDomains = []string{"api-*.example.com"}; r.AllowGlobDomains = true },
			req: Request{CommonName: "web-1.example.com"}, want: "common name web-1.example.com not allowed by this role"},

		// allow_any_name, enforce_hostnames.
		{name: "any name", role: func(r *Role) { r.AllowAnyName = true }, req: Request{CommonName: "whatever.org"}, chk: dns("whatever.org")},
		{name: "hostnames enforced even for any name", role: func(r *Role) { r.AllowAnyName = true },
			req: Request{CommonName: "bad_host.org"}, want: "common name bad_host.org not allowed by this role"},
		{name: "hostnames not enforced", role: func(r *Role) { r.AllowAnyName = true; r.EnforceHostnames = false },
			req: Request{CommonName: "My Service"}, chk: dns()},
		{name: "idna name", role: func(r *Role) { r.AllowedDomains = []string{"xn--bcher-kva.example"}; r.AllowBareDomains = true },
			req: Request{CommonName: "xn--bcher-kva.example"}, chk: dns("xn--bcher-kva.example")},

		// Localhost.
		{name: "localhost", req: Request{CommonName: "localhost"}, chk: dns("localhost")},
		{name: "localhost off", role: func(r *Role) { r.AllowLocalhost = false }, req: Request{CommonName: "localhost"},
			want: "common name localhost not allowed by this role"},
		{name: "sub of localhost", req: Request{CommonName: "app.localhost"}, chk: dns("app.localhost")},

		// Emails.
		{name: "email cn with bare domain", role: func(r *Role) { r.AllowBareDomains = true },
			req: Request{CommonName: "ops@internal.example.com"}, chk: func(t *testing.T, p certs.Params) {
				if !slices.Equal(p.EmailAddresses, []string{"ops@internal.example.com"}) || len(p.DNSNames) != 0 {
					t.Fatalf("emails %v dns %v", p.EmailAddresses, p.DNSNames)
				}
			}},
		{name: "foreign email alt name", role: func(r *Role) { r.AllowBareDomains = true },
			req: Request{CommonName: "api.internal.example.com", AltNames: "x@evil.com"}, want: "email address x@evil.com not allowed by this role"},
		{name: "cn_validations hostname only refuses email cn", role: func(r *Role) { r.AllowBareDomains = true; r.CNValidations = []string{"hostname"} },
			req: Request{CommonName: "ops@internal.example.com"}, want: "common name ops@internal.example.com not allowed by this role"},
		{name: "cn_validations disabled", role: func(r *Role) { r.CNValidations = []string{"disabled"} },
			req: Request{CommonName: "not a hostname", ExcludeCNFromSANs: true}, chk: dns()},

		// require_cn.
		{name: "cn required", req: Request{AltNames: "a.internal.example.com"},
			want: `the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`},
		{name: "cn optional", role: func(r *Role) { r.RequireCN = false }, req: Request{AltNames: "a.internal.example.com"}, chk: dns("a.internal.example.com")},

		// IP SANs.
		{name: "ip sans", req: Request{CommonName: "api.internal.example.com", IPSANs: []string{"10.0.0.1", "::1"}}, chk: func(t *testing.T, p certs.Params) {
			if len(p.IPAddresses) != 2 || p.IPAddresses[0].String() != "10.0.0.1" {
				t.Fatalf("IPs %v", p.IPAddresses)
			}
		}},
		{name: "bad ip", req: Request{CommonName: "api.internal.example.com", IPSANs: []string{"10.0.0.300"}}, want: `the value "10.0.0.300" is not a valid IP address`},
		{name: "ip sans off", role: func(r *Role) { r.AllowIPSANs = false }, req: Request{CommonName: "api.internal.example.com", IPSANs: []string{"10.0.0.1"}},
			want: "IP Subject Alternative Names are not allowed in this role, but was provided via the API"},

		// URI SANs.
		{name: "uri sans not allowed", req: Request{CommonName: "api.internal.example.com", URISANs: []string{"spiffe://example.org/api"}},
			want: "URI Subject Alternative Names are not allowed in this role, but were provided via the API"},
		{name: "uri sans allowed", role: func(r *Role) { r.AllowedURISANs = []string{"spiffe://example.org/*"} },
			req: Request{CommonName: "api.internal.example.com", URISANs: []string{"spiffe://example.org/ns/api"}}, chk: func(t *testing.T, p certs.Params) {
				if len(p.URIs) != 1 || p.URIs[0].String() != "spiffe://example.org/ns/api" {
					t.Fatalf("URIs %v", p.URIs)
				}
			}},
		{name: "uri san outside glob", role: func(r *Role) { r.AllowedURISANs = []string{"spiffe://example.org/*"} },
			req:  Request{CommonName: "api.internal.example.com", URISANs: []string{"spiffe://evil.org/x"}},
			want: "URI Subject Alternative Names were provided via the API which are not valid for this role"},

		// Other SANs.
		{name: "other san not allowed", req: Request{CommonName: "api.internal.example.com", OtherSANs: []string{"1.3.6.1.4.1.311.20.2.3;UTF8:ops@example.com"}},
			want: "other SAN OID 1.3.6.1.4.1.311.20.2.3 not allowed by this role"},
		{name: "other san value outside glob", role: func(r *Role) { r.AllowedOtherSANs = []string{"1.3.6.1.4.1.311.20.2.3;UTF8:*@example.com"} },
			req:  Request{CommonName: "api.internal.example.com", OtherSANs: []string{"1.3.6.1.4.1.311.20.2.3;UTF8:ops@evil.com"}},
			want: "other SAN ops@evil.com not allowed for OID 1.3.6.1.4.1.311.20.2.3 by this role"},
		{name: "other san allowed", role: func(r *Role) { r.AllowedOtherSANs = []string{"1.3.6.1.4.1.311.20.2.3;UTF8:*@example.com"} },
			req: Request{CommonName: "api.internal.example.com", OtherSANs: []string{"1.3.6.1.4.1.311.20.2.3;UTF-8:ops@example.com"}},
			chk: func(t *testing.T, p certs.Params) {
				if got := p.OtherSANs["1.3.6.1.4.1.311.20.2.3"]; !slices.Equal(got, []string{"ops@example.com"}) {
					t.Fatalf("other SANs %v", p.OtherSANs)
				}
			}},
		{name: "other san any", role: func(r *Role) { r.AllowedOtherSANs = []string{"*"} },
			req: Request{CommonName: "api.internal.example.com", OtherSANs: []string{"1.2.3.4;UTF8:x"}}},
		{name: "malformed other san", req: Request{CommonName: "api.internal.example.com", OtherSANs: []string{"1.2.3.4"}},
			want: `could not parse requested other SAN: expected a semicolon in other SAN "1.2.3.4"`},
		{name: "other san wrong type", req: Request{CommonName: "api.internal.example.com", OtherSANs: []string{"1.2.3.4;IA5:x"}},
			want: `could not parse requested other SAN: only utf8 other SANs are supported; found non-supported type in other SAN "1.2.3.4;IA5:x"`},

		// Subject serial number.
		{name: "subject serial refused", req: Request{CommonName: "api.internal.example.com", SerialNumber: "SN-1"},
			want: "serial_number SN-1 not allowed by this role"},
		{name: "subject serial glob", role: func(r *Role) { r.AllowedSerialNumbers = []string{"SN-*"} },
			req: Request{CommonName: "api.internal.example.com", SerialNumber: "SN-1"}, chk: func(t *testing.T, p certs.Params) {
				if p.Subject.SerialNumber != "SN-1" {
					t.Fatalf("subject %v", p.Subject)
				}
			}},
	}
	iss := issuerCert(t, fixedNow().Add(365*24*time.Hour))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role := tutorialRole(t)
			if c.role != nil {
				c.role(&role)
			}
			req := c.req
			req.TTL = 8 * time.Hour
			d, err := DecideIssue(role, req, limits(iss))
			if c.want != "" {
				if err == nil || err.Error() != c.want || !certs.IsRefusal(err) {
					t.Fatalf("err = %v\nwant refusal %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.chk != nil {
				c.chk(t, d.Params)
			}
		})
	}
}

func TestIssueKeyUsagesAndSubject(t *testing.T) {
	role := tutorialRole(t)
	role.ServerFlag = false
	role.CodeSigningFlag = true
	role.ExtKeyUsage = []string{"TimeStamping"}
	role.ExtKeyUsageOIDs = []string{"1.3.6.1.4.1.44947.1.1.1"}
	role.KeyUsage = []string{"DigitalSignature"}
	role.OU = []string{"Ops", "Ops", "Dev"}
	role.Organization = []string{"Example"}
	role.Country = []string{"DE"}
	role.Locality = []string{"Berlin"}
	role.Province = []string{"BE"}
	role.BasicConstraintsValidForNonCA = true
	d, err := DecideIssue(role, Request{CommonName: "api.internal.example.com", TTL: time.Hour}, limits(issuerCert(t, fixedNow().Add(48*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Params
	if !slices.Equal(p.ExtKeyUsage.List(), []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageCodeSigning, x509.ExtKeyUsageTimeStamping}) {
		t.Fatalf("EKU %v", p.ExtKeyUsage.List())
	}
	if len(p.ExtKeyUsageOIDs) != 1 || p.ExtKeyUsageOIDs[0].String() != "1.3.6.1.4.1.44947.1.1.1" {
		t.Fatalf("EKU OIDs %v", p.ExtKeyUsageOIDs)
	}
	if p.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Fatalf("key usage %v", p.KeyUsage)
	}
	if !slices.Equal(p.Subject.OrganizationalUnit, []string{"Ops", "Dev"}) || p.Subject.Organization[0] != "Example" ||
		p.Subject.Country[0] != "DE" || p.Subject.Locality[0] != "Berlin" || p.Subject.Province[0] != "BE" {
		t.Fatalf("subject %+v", p.Subject)
	}
	if !p.BasicConstraintsValidForNonCA || p.IsCA {
		t.Fatal("basic_constraints_valid_for_non_ca not carried")
	}
	if d.KeyType != "rsa" || d.KeyBits != 2048 || p.SignatureBits != 256 {
		t.Fatalf("key %s/%d sig %d", d.KeyType, d.KeyBits, p.SignatureBits)
	}
}

func TestIssueKeyTypeAny(t *testing.T) {
	role := tutorialRole(t)
	role.KeyType = "any"
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	req := Request{CommonName: "api.internal.example.com"}
	if _, err := DecideIssue(role, req, lim); err == nil ||
		err.Error() != `role key type "any" not allowed for issuing certificates without providing key_type and/or key_bits request parameters` {
		t.Fatalf("err = %v", err)
	}
	req.KeyType, req.KeyBits = "ec", 384
	d, err := DecideIssue(role, req, lim)
	if err != nil || d.KeyType != "ec" || d.KeyBits != 384 {
		t.Fatalf("any+ec384: %+v %v", d, err)
	}
	req.KeyType, req.KeyBits = "rsa", 1024
	if _, err := DecideIssue(role, req, lim); err == nil || !strings.Contains(err.Error(), "RSA keys < 2048 bits are unsafe and not supported") {
		t.Fatalf("weak key: err = %v", err)
	}
	// A role with a fixed key type ignores the request's, with a warning.
	fixed := tutorialRole(t)
	d, err = DecideIssue(fixed, Request{CommonName: "api.internal.example.com", KeyType: "ec"}, lim)
	if err != nil || d.KeyType != "rsa" || !slices.Contains(d.Warnings, "parameters key_type and key_bits ignored as role had specific values") {
		t.Fatalf("fixed role: %+v %v", d, err)
	}
	weak := tutorialRole(t)
	weak.KeyBits = 1024
	if _, err := DecideIssue(weak, Request{CommonName: "api.internal.example.com"}, lim); err == nil || err.Error() != "RSA keys < 2048 bits are unsafe and not supported" {
		t.Fatalf("weak role: err = %v", err)
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, subj string
		want          bool
	}{
		{"*", "anything", true},
		{"", "", true},
		{"", "x", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "example.com", false},
		{"api-*.example.com", "api-1.example.com", true},
		{"api-*.example.com", "web-1.example.com", false},
		{"a*b*c", "a123b456c", true},
		{"a*b*c", "a123c456b", false},
		{"spiffe://x/*", "spiffe://x/ns/a", true},
		{"*@example.com", "ops@example.com", true},
	} {
		if got := globMatch(c.pattern, c.subj); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pattern, c.subj, got)
		}
	}
}

func TestCheckName(t *testing.T) {
	r := tutorialRole(t)
	if err := r.CheckName("app.internal.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckName("evil.com"); err == nil || err.Error() != "subject alternate name evil.com not allowed by this role" {
		t.Fatalf("err = %v", err)
	}
	if err := r.CheckName("x@evil.com"); err == nil || err.Error() != "email address x@evil.com not allowed by this role" {
		t.Fatalf("err = %v", err)
	}
}
