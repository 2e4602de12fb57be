package runner

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/backoff"
	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// due asks the loop to fetch dep again; gen is the fetch it was planned
// for (a later fetch makes it stale).
type due struct {
	dep    tmpl.Dep
	gen    uint64
	reason string
}

// leasePlan is what to do with a freshly fetched answer.
type leasePlan int

const (
	planNone    leasePlan = iota // static: events or polling
	planRenew                    // renew at ~2/3, fetch again near the end
	planRefetch                  // fetch again at the threshold
)

// plan decides how an answer is kept fresh, and when (for planRefetch)
// it must be fetched again. Pure, so it is tested without a server.
func plan(dep tmpl.Dep, sec *vault.Secret, obtained time.Time, threshold float64) (leasePlan, time.Time) {
	if sec == nil {
		return planNone, time.Time{}
	}
	if dep.Kind == tmpl.PKI {
		if nb, na, ok := certValidity(sec); ok {
			return planRefetch, nb.Add(time.Duration(float64(na.Sub(nb)) * jittered(threshold)))
		}
	}
	if sec.LeaseID == "" || sec.LeaseDuration <= 0 {
		return planNone, time.Time{}
	}
	ttl := time.Duration(sec.LeaseDuration) * time.Second
	if sec.Renewable {
		return planRenew, obtained.Add(ttl)
	}
	return planRefetch, obtained.Add(time.Duration(float64(ttl) * jittered(threshold)))
}

// jittered lowers a fraction by up to 5 points, so that many agents do
// not fetch at the same instant.
func jittered(f float64) float64 {
	return f - rand.Float64()*0.05
}

// certValidity reads the issued certificate's validity window.
func certValidity(sec *vault.Secret) (notBefore, notAfter time.Time, ok bool) {
	if sec.Data == nil {
		return
	}
	p, _ := sec.Data["certificate"].(string)
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return
	}
	return cert.NotBefore, cert.NotAfter, true
}

// keepLease renews a renewable lease at about two thirds of what is left
// and returns (with the reason) when the secret must be fetched again:
// renewal refused (revoked, gone), the max TTL reached (renewal no longer
// extends it), or the lease about to end while the server is unreachable.
func keepLease(ctx context.Context, c *vault.Client, leaseID string, expire time.Time, ttl time.Duration, log *slog.Logger) string {
	grace := graceOf(ttl)
	bo := backoff.New(time.Second, 30*time.Second)
	next := backoff.Jitter(time.Until(expire)*2/3, 0.1)
	for {
		if !backoff.Sleep(ctx, next) {
			return ""
		}
		s, err := c.Sys().RenewWithContext(ctx, leaseID, 0)
		if err != nil {
			if ctx.Err() != nil {
				return ""
			}
			if st := statusOf(err); st >= 400 && st < 500 && st != http.StatusTooManyRequests {
				return "renewal refused: " + errString(err)
			}
			left := time.Until(expire) - grace
			if left <= 0 {
				return "lease ending and renewal failing: " + errString(err)
			}
			next = min(bo.Next(), left)
			log.Warn("lease renewal failed; retrying", "error", errString(err), "backoff", next.Round(time.Millisecond))
			continue
		}
		bo.Reset()
		newTTL := time.Duration(s.LeaseDuration) * time.Second
		expire = time.Now().Add(newTTL)
		log.Debug("lease renewed", "ttl", newTTL)
		if !s.Renewable || newTTL/3 <= grace {
			// Renewing again would not extend it: fetch a new secret
			// before this one ends.
			if !backoff.Sleep(ctx, time.Until(expire)-grace) {
				return ""
			}
			return "lease reaching its max TTL"
		}
		next = backoff.Jitter(newTTL*2/3, 0.1)
	}
}

// graceOf is 10-20% of a TTL: how long before the end a replacement is
// fetched (Vault's lifetime watcher uses the same window).
func graceOf(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0
	}
	return ttl/10 + time.Duration(rand.Int64N(int64(ttl/10)+1))
}
