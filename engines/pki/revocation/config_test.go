package revocation

import (
	"testing"
	"time"
)

func TestCRLConfig(t *testing.T) {
	d, err := DefaultConfig().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if d.Expiry != 72*time.Hour || d.OCSPExpiry != 12*time.Hour || d.DeltaRebuildInterval != 15*time.Minute {
		t.Fatalf("defaults %+v", d)
	}
	for _, c := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"bad expiry", func(c *Config) { c.Expiry = "soon" }, `given expiry could not be decoded: time: invalid duration "soon"`},
		{"negative ocsp expiry", func(c *Config) { c.OCSPExpiry = "-1h" }, "ocsp_expiry must be greater than or equal to 0 got: -1h0m0s"},
		{"grace over expiry", func(c *Config) { c.AutoRebuild = true; c.AutoRebuildGracePeriod = "72h" },
			"CRL auto-rebuilding grace period (72h) must be strictly shorter than CRL expiry (72h) value when auto-rebuilding of CRLs is enabled"},
		{"delta window over expiry", func(c *Config) {
			c.AutoRebuild = true
			c.EnableDelta = true
			c.Expiry = "24h"
			c.AutoRebuildGracePeriod = "1h"
			c.DeltaRebuildInterval = "2d"
		},
			"CRL delta rebuild window (2d) must be strictly shorter than CRL expiry (24h) value when delta CRLs are enabled"},
		{"delta without auto rebuild", func(c *Config) { c.EnableDelta = true },
			"Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!"},
	} {
		cfg := DefaultConfig()
		c.mod(&cfg)
		if _, err := cfg.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	ok := DefaultConfig()
	ok.AutoRebuild, ok.EnableDelta, ok.Expiry = true, true, "259200"
	if d, err := ok.Validate(); err != nil || d.Expiry != 72*time.Hour {
		t.Fatalf("seconds expiry: %+v %v", d, err)
	}
	if ok.Data()["expiry"] != "259200" {
		t.Fatal("config/crl must echo the operator's text")
	}
	built := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if d.NeedsRebuild(built, built.Add(59*time.Hour)) || !d.NeedsRebuild(built, built.Add(60*time.Hour)) {
		t.Fatal("auto-rebuild must start 12h before a 72h CRL expires")
	}
}
