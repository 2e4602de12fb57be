package policy

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// Issuer leaf_not_after_behavior values: what happens to a certificate
// that would outlive its issuer.
const (
	NotAfterErr      = "err"
	NotAfterTruncate = "truncate"
	NotAfterPermit   = "permit"
)

// Limits are the mount's and the issuer's bounds on a certificate.
type Limits struct {
	// Now is the time of the decision (the engine's clock).
	Now time.Time
	// DefaultTTL and MaxTTL are the mount's effective default and maximum
	// lease TTLs (secrets tune; the system values when unset).
	DefaultTTL time.Duration
	MaxTTL     time.Duration
	// Issuer is the signing CA certificate; nil for a self-signed root.
	Issuer *x509.Certificate
	// LeafNotAfterBehavior is the issuer's err (default), truncate or
	// permit.
	LeafNotAfterBehavior string
	// URLs are the issuer's AIA and CRL URLs (already expanded), written
	// into what it signs.
	URLs certs.URLs
}

// notBefore is now minus not_before_duration (30s when unset), to absorb
// clock skew between the CA and relying parties.
func (r Role) notBefore(now time.Time) time.Time {
	d := r.NotBeforeDuration
	if d <= 0 {
		d = 30 * time.Second
	}
	return now.Add(-d)
}

// notAfter is Vault's getCertificateNotAfter: the request's ttl (or
// not_after), else the role's ttl, else the mount default; capped by the
// role's max_ttl, else the mount max (with a warning); then held to the
// issuer's own expiry according to leaf_not_after_behavior.
func (r Role) notAfter(req Request, lim Limits) (time.Time, []string, error) {
	var warnings []string
	ttl := req.TTL
	var notAfter time.Time
	if req.NotAfter != "" {
		t, err := time.Parse(time.RFC3339, req.NotAfter)
		if err != nil {
			return time.Time{}, nil, certs.Refusef("%s", err.Error())
		}
		notAfter = t
	}
	if ttl > 0 && req.NotAfter != "" {
		return time.Time{}, nil, certs.Refusef("Either ttl or not_after should be provided. Both should not be provided in the same request.")
	}
	if ttl == 0 && r.TTL > 0 {
		ttl = r.TTL
	}
	maxTTL := r.MaxTTL
	if ttl == 0 {
		ttl = lim.DefaultTTL
	}
	if maxTTL == 0 {
		maxTTL = lim.MaxTTL
	}
	if ttl > maxTTL {
		warnings = append(warnings, fmt.Sprintf("TTL %q is longer than permitted maxTTL %q, so maxTTL is being used", ttl, maxTTL))
		ttl = maxTTL
	}
	if req.NotAfter == "" {
		notAfter = lim.Now.Add(ttl)
	}
	if lim.Issuer != nil && notAfter.After(lim.Issuer.NotAfter) {
		switch lim.LeafNotAfterBehavior {
		case NotAfterPermit:
		case NotAfterTruncate:
			if notAfter.Before(lim.Now) {
				return time.Time{}, warnings, certs.Refusef("cannot satisfy request, as NotAfter date %s is in the past", notAfter)
			}
			notAfter = lim.Issuer.NotAfter
		default:
			return time.Time{}, warnings, certs.Refusef(
				"cannot satisfy request, as TTL would result in notAfter of %s that is beyond the expiration of the CA certificate at %s",
				notAfter.UTC().Format(time.RFC3339Nano), lim.Issuer.NotAfter.UTC().Format(time.RFC3339Nano))
		}
	}
	return notAfter, warnings, nil
}
