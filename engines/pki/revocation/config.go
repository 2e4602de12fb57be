package revocation

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// Config is config/crl. Durations keep the text the operator wrote, as
// Vault echoes it back.
type Config struct {
	Expiry                 string `json:"expiry"`
	Disable                bool   `json:"disable"`
	OCSPDisable            bool   `json:"ocsp_disable"`
	OCSPExpiry             string `json:"ocsp_expiry"`
	AutoRebuild            bool   `json:"auto_rebuild"`
	AutoRebuildGracePeriod string `json:"auto_rebuild_grace_period"`
	EnableDelta            bool   `json:"enable_delta"`
	DeltaRebuildInterval   string `json:"delta_rebuild_interval"`
}

// DefaultConfig is Vault's config/crl before any write.
func DefaultConfig() Config {
	return Config{
		Expiry:                 "72h",
		OCSPExpiry:             "12h",
		AutoRebuildGracePeriod: "12h",
		DeltaRebuildInterval:   "15m",
	}
}

// Durations are the parsed durations of a validated Config.
type Durations struct {
	Expiry, OCSPExpiry, AutoRebuildGracePeriod, DeltaRebuildInterval time.Duration
}

// Validate checks a config/crl write with Vault's messages and returns
// its durations.
func (c Config) Validate() (Durations, error) {
	var d Durations
	var err error
	if d.Expiry, err = parseDuration(c.Expiry); err != nil {
		return d, certs.Refusef("given expiry could not be decoded: %s", err)
	}
	if d.OCSPExpiry, err = parseDuration(c.OCSPExpiry); err != nil {
		return d, certs.Refusef("given ocsp_expiry could not be decoded: %s", err)
	}
	if d.OCSPExpiry < 0 {
		return d, certs.Refusef("ocsp_expiry must be greater than or equal to 0 got: %s", d.OCSPExpiry)
	}
	if d.AutoRebuildGracePeriod, err = parseDuration(c.AutoRebuildGracePeriod); err != nil {
		return d, certs.Refusef("given auto_rebuild_grace_period could not be decoded: %s", err)
	}
	if d.DeltaRebuildInterval, err = parseDuration(c.DeltaRebuildInterval); err != nil {
		return d, certs.Refusef("given delta_rebuild_interval could not be decoded: %s", err)
	}
	if c.AutoRebuild && d.AutoRebuildGracePeriod >= d.Expiry {
		return d, certs.Refusef("CRL auto-rebuilding grace period (%v) must be strictly shorter than CRL expiry (%v) value when auto-rebuilding of CRLs is enabled", c.AutoRebuildGracePeriod, c.Expiry)
	}
	if c.EnableDelta && d.DeltaRebuildInterval >= d.Expiry {
		return d, certs.Refusef("CRL delta rebuild window (%v) must be strictly shorter than CRL expiry (%v) value when delta CRLs are enabled", c.DeltaRebuildInterval, c.Expiry)
	}
	if !c.AutoRebuild && c.EnableDelta {
		return d, certs.Refusef("Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!")
	}
	return d, nil
}

// Data is config/crl as Vault reads it.
func (c Config) Data() map[string]any {
	return map[string]any{
		"expiry":                    c.Expiry,
		"disable":                   c.Disable,
		"ocsp_disable":              c.OCSPDisable,
		"ocsp_expiry":               c.OCSPExpiry,
		"auto_rebuild":              c.AutoRebuild,
		"auto_rebuild_grace_period": c.AutoRebuildGracePeriod,
		"enable_delta":              c.EnableDelta,
		"delta_rebuild_interval":    c.DeltaRebuildInterval,
	}
}

// NeedsRebuild reports whether a CRL built at built must be rebuilt now
// under auto_rebuild: when it is within the grace period of its
// NextUpdate.
func (d Durations) NeedsRebuild(built, now time.Time) bool {
	return !now.Before(built.Add(d.Expiry).Add(-d.AutoRebuildGracePeriod))
}

// parseDuration reads Vault's duration syntax: integer seconds, a Go
// duration, or whole days ("7d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("time: invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
