package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Mount options that tune an auth mount's limiter (`auth enable
// -options=...` or `auth tune -options=...`; docs/login-rate-limit.md).
// Each takes "<failures>/<window>" ("10/1m", "20/30s", a window in Go
// duration syntax or whole seconds), or "off" to disable that bucket;
// "off" on OptionPair disables the limiter altogether. Unset options keep
// the defaults.
const (
	OptionPair    = "login_rate_limit"         // per source and role (or user)
	OptionRole    = "login_rate_limit_role"    // per role across every source
	OptionUnknown = "login_rate_limit_unknown" // per source, names that do not exist
)

// ErrBadOption reports a limiter option that does not parse.
var ErrBadOption = errors.New("ratelimit: invalid option")

// FromOptions reads a mount's limiter options into a Config (with now as
// its clock).
func FromOptions(opts map[string]string, now func() time.Time) (Config, error) {
	cfg := Config{Now: now}
	for _, o := range []struct {
		name   string
		burst  *int
		window *time.Duration
	}{
		{OptionPair, &cfg.PairBurst, &cfg.PairWindow},
		{OptionRole, &cfg.RoleBurst, &cfg.RoleWindow},
		{OptionUnknown, &cfg.UnknownBurst, &cfg.UnknownWindow},
	} {
		v, ok := opts[o.name]
		if !ok {
			continue
		}
		burst, window, err := parseRate(v)
		if err != nil {
			return Config{}, fmt.Errorf("%w %s=%q: %v", ErrBadOption, o.name, v, err)
		}
		*o.burst, *o.window = burst, window
	}
	if strings.TrimSpace(opts[OptionPair]) == "off" {
		cfg.RoleBurst, cfg.UnknownBurst = -1, -1
	}
	return cfg, nil
}

// parseRate reads "<failures>/<window>", or "off" (burst -1).
func parseRate(v string) (int, time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "off" {
		return -1, 0, nil
	}
	n, w, ok := strings.Cut(v, "/")
	if !ok {
		return 0, 0, errors.New(`want "<failures>/<window>" (like "10/1m") or "off"`)
	}
	burst, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || burst < 1 {
		return 0, 0, errors.New("failures must be a positive whole number")
	}
	w = strings.TrimSpace(w)
	window, err := time.ParseDuration(w)
	if secs, serr := strconv.Atoi(w); serr == nil {
		window, err = time.Duration(secs)*time.Second, nil
	}
	if err != nil || window < time.Second {
		return 0, 0, errors.New("window must be a duration of at least 1s")
	}
	return burst, window, nil
}
