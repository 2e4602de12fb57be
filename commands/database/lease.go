package database

import (
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/mount"
)

// LeaseTTL is Vault's CalculateTTL for a credential: the role's default
// TTL, else the mount's default, else the system's (768h); capped by the
// role's max TTL, which is itself capped by the mount's (else the
// system's) max. It returns the TTL, the max TTL the lease may be renewed
// up to, and Vault's warnings.
func LeaseTTL(roleDefault, roleMax, mountDefault, mountMax time.Duration) (ttl, max time.Duration, warnings []string) {
	sysDefault, sysMax := mountDefault, mountMax
	if sysMax <= 0 {
		sysMax = mount.SystemMaxLeaseTTL
	}
	if sysDefault <= 0 || sysDefault > sysMax {
		sysDefault = min(mount.SystemDefaultLeaseTTL, sysMax)
	}
	max = roleMax
	switch {
	case max <= 0:
		max = sysMax
	case max > sysMax:
		warnings = append(warnings, "max_ttl is greater than the system or backend mount's maximum TTL value; issued TTL value will be truncated")
		max = sysMax
	}
	ttl = roleDefault
	if ttl <= 0 {
		ttl = sysDefault
	}
	if ttl > max {
		warnings = append(warnings, fmt.Sprintf("TTL of %q exceeded the effective max_ttl of %q; TTL value is capped accordingly", ttl, max))
		ttl = max
	}
	return ttl, max, warnings
}

// RoleAllowed reports whether a configuration's allowed_roles admit role:
// an entry "*" admits every role, any other entry is a glob where "*"
// matches any run of characters (Vault's StrListContainsGlob).
func RoleAllowed(allowed []string, role string) bool {
	for _, pattern := range allowed {
		if pattern == "*" || glob(pattern, role) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern whose only metacharacter is "*".
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}
