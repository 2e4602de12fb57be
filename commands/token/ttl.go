package token

import (
	"fmt"
	"strings"
	"time"
)

// SystemTTL is Vault's default for both the default and the max lease TTL
// of a mount that was not tuned (32 days).
const SystemTTL = 768 * time.Hour

// Limits are the token mount's TTL bounds; zero values mean SystemTTL.
type Limits struct {
	DefaultTTL time.Duration
	MaxTTL     time.Duration
	// Method, at a login token's renewal, is its user's or role's current
	// token settings, which replace the token's own (Vault's renew
	// callback's Auth); nil keeps the token's.
	Method *MethodTTLs
}

// MethodTTLs are an auth method's current settings for a token: a zero
// TTL means the mount's default, a zero MaxTTL the mount's max, a zero
// Period not periodic.
type MethodTTLs struct {
	TTL, MaxTTL, Period time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxTTL <= 0 {
		l.MaxTTL = SystemTTL
	}
	if l.DefaultTTL <= 0 {
		l.DefaultTTL = SystemTTL
	}
	return l
}

// calculateTTL is Vault's framework.CalculateTTL: the TTL a creation
// (increment 0, start = now) or renewal gets. A periodic token gets its
// period (capped by the effective max, and by explicit_max_ttl counted
// from start); any other token gets increment, else its own TTL, else the
// mount default, capped so it ends no later than start + effective max.
func calculateTTL(l Limits, increment, ownTTL, period, explicitMax time.Duration, start, now time.Time) (time.Duration, []string, error) {
	l = l.withDefaults()
	maxTTL := l.MaxTTL
	if explicitMax > 0 && explicitMax < maxTTL {
		maxTTL = explicitMax
	}
	var (
		ttl      time.Duration
		warnings []string
		maxValid time.Time
	)
	if period > 0 {
		if period > maxTTL {
			warnings = append(warnings, fmt.Sprintf("period of %q exceeded the effective max_ttl of %q; period value is capped accordingly", humanDuration(period), humanDuration(maxTTL)))
			period = maxTTL
		}
		ttl = period
		if explicitMax > 0 {
			maxValid = start.Add(explicitMax)
		}
	} else {
		switch {
		case increment > 0:
			ttl = increment
		case ownTTL > 0:
			ttl = ownTTL
		default:
			ttl = l.DefaultTTL
		}
		maxValid = start.Add(maxTTL)
	}
	if !maxValid.IsZero() {
		left := maxValid.Sub(now)
		if left <= 0 {
			return 0, nil, ErrPastMaxTTL
		}
		if ttl > left {
			warnings = append(warnings, fmt.Sprintf("TTL of %q exceeded the effective max_ttl of %q; TTL value is capped accordingly", humanDuration(ttl), humanDuration(left)))
			ttl = left
		}
	}
	return ttl, warnings, nil
}

// humanDuration prints d the way Vault's warnings do ("1h", "1h30m").
func humanDuration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if i := strings.Index(s, "h0m"); i > 0 {
		s = s[:i+1] + s[i+3:]
	}
	return s
}
