package policy

import (
	"slices"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

func TestNotAfterCapping(t *testing.T) {
	now := fixedNow()
	issuerExpiry := now.Add(100 * time.Hour)
	iss := issuerCert(t, issuerExpiry)
	cases := []struct {
		name     string
		role     func(*Role)
		req      Request
		lim      func(*Limits)
		want     time.Time
		warning  string
		refusal  string
		noIssuer bool
	}{
		{name: "request ttl", req: Request{TTL: 8 * time.Hour}, want: now.Add(8 * time.Hour)},
		{name: "role max caps request", req: Request{TTL: 48 * time.Hour}, want: now.Add(24 * time.Hour),
			warning: `TTL "48h0m0s" is longer than permitted maxTTL "24h0m0s", so maxTTL is being used`},
		{name: "role ttl default", role: func(r *Role) { r.TTL = 2 * time.Hour }, want: now.Add(2 * time.Hour)},
		{name: "mount default capped by role max", want: now.Add(24 * time.Hour),
			warning: `TTL "768h0m0s" is longer than permitted maxTTL "24h0m0s", so maxTTL is being used`},
		{name: "mount max without role max", role: func(r *Role) { r.MaxTTL = 0 }, req: Request{TTL: 90 * time.Hour},
			lim: func(l *Limits) { l.MaxTTL = 72 * time.Hour }, want: now.Add(72 * time.Hour),
			warning: `TTL "90h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used`},
		{name: "beyond issuer: err", role: func(r *Role) { r.MaxTTL = 0 }, req: Request{TTL: 200 * time.Hour},
			refusal: "cannot satisfy request, as TTL would result in notAfter of 2030-01-10T11:04:05Z that is beyond the expiration of the CA certificate at 2030-01-06T07:04:05Z"},
		{name: "beyond issuer: truncate", role: func(r *Role) { r.MaxTTL = 0 }, req: Request{TTL: 200 * time.Hour},
			lim: func(l *Limits) { l.LeafNotAfterBehavior = NotAfterTruncate }, want: issuerExpiry},
		{name: "beyond issuer: permit", role: func(r *Role) { r.MaxTTL = 0 }, req: Request{TTL: 200 * time.Hour},
			lim: func(l *Limits) { l.LeafNotAfterBehavior = NotAfterPermit }, want: now.Add(200 * time.Hour)},
		// Vault still computes (and warns about) the TTL it does not use.
		{name: "not_after", req: Request{NotAfter: "2030-01-02T10:00:00Z"}, want: time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC),
			warning: `TTL "768h0m0s" is longer than permitted maxTTL "24h0m0s", so maxTTL is being used`},
		{name: "not_after and ttl", req: Request{NotAfter: "2030-01-02T10:00:00Z", TTL: time.Hour},
			refusal: "Either ttl or not_after should be provided. Both should not be provided in the same request."},
		{name: "bad not_after", req: Request{NotAfter: "tomorrow"},
			refusal: `parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00": cannot parse "tomorrow" as "2006"`},
		{name: "self-signed ignores issuer", role: func(r *Role) { r.MaxTTL = 0 }, req: Request{TTL: 200 * time.Hour}, noIssuer: true,
			want: now.Add(200 * time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role := tutorialRole(t)
			if c.role != nil {
				c.role(&role)
			}
			lim := limits(iss)
			if c.noIssuer {
				lim.Issuer = nil
			}
			if c.lim != nil {
				c.lim(&lim)
			}
			req := c.req
			req.CommonName = "api.internal.example.com"
			d, err := DecideIssue(role, req, lim)
			if c.refusal != "" {
				if err == nil || err.Error() != c.refusal || !certs.IsRefusal(err) {
					t.Fatalf("err = %v\nwant %q", err, c.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !d.Params.NotAfter.Equal(c.want) {
				t.Fatalf("NotAfter %v, want %v", d.Params.NotAfter, c.want)
			}
			if c.warning != "" && !slices.Contains(d.Warnings, c.warning) {
				t.Fatalf("warnings %q, want %q", d.Warnings, c.warning)
			}
			if c.warning == "" && len(d.Warnings) != 0 {
				t.Fatalf("unexpected warnings %q", d.Warnings)
			}
		})
	}
}

func TestNotBeforeDuration(t *testing.T) {
	role := tutorialRole(t)
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	d, err := DecideIssue(role, Request{CommonName: "api.internal.example.com"}, lim)
	if err != nil || !d.Params.NotBefore.Equal(fixedNow().Add(-30*time.Second)) {
		t.Fatalf("default not_before_duration: %v %v", d, err)
	}
	role.NotBeforeDuration = 5 * time.Minute
	d, err = DecideIssue(role, Request{CommonName: "api.internal.example.com"}, lim)
	if err != nil || !d.Params.NotBefore.Equal(fixedNow().Add(-5*time.Minute)) {
		t.Fatalf("5m not_before_duration: %v %v", d, err)
	}
}

func TestIssuerURLsAndPathLength(t *testing.T) {
	role := tutorialRole(t)
	lim := limits(issuerCert(t, fixedNow().Add(48*time.Hour)))
	lim.URLs = certs.URLs{OCSPServers: []string{"http://127.0.0.1:8200/v1/pki_int/ocsp"}}
	d, err := DecideIssue(role, Request{CommonName: "api.internal.example.com"}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Params.URLs.OCSPServers, lim.URLs.OCSPServers) {
		t.Fatal("issuer URLs not carried into the certificate parameters")
	}
}
