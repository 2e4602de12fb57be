package acl

import (
	"fmt"
	"strings"
	"unicode"
)

// Well-known policy names.
const (
	RootPolicyName             = "root"
	DefaultPolicyName          = "default"
	ResponseWrappingPolicyName = "response-wrapping"
)

// NormalizeName returns name as Vault stores it: trimmed and lowercased.
func NormalizeName(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// ValidateName reports whether name (after NormalizeName) may be used for a
// user-created policy. Vault accepts any non-empty name here; on top of that
// Coffer refuses control characters and names with a leading or trailing
// "/" or an empty "//" segment, which Vault accepts but cannot reliably
// read back. "root" is reserved and yields ErrRootPolicy.
func ValidateName(name string) error {
	n := NormalizeName(name)
	switch {
	case n == "":
		return fmt.Errorf("%w: name is empty", ErrInvalidName)
	case n == RootPolicyName:
		return ErrRootPolicy
	case strings.HasPrefix(n, "/") || strings.HasSuffix(n, "/") || strings.Contains(n, "//"):
		return fmt.Errorf("%w: %q has an empty path segment", ErrInvalidName, n)
	case strings.IndexFunc(n, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %q contains a control character", ErrInvalidName, n)
	}
	return nil
}

// CanonicalName refuses a name that NormalizeName would change ("ADMIN",
// "admin "). Vault and OpenBao normalise after the ACL check, so a deny
// on sys/policies/acl/admin did not stop a write to ".../ADMIN"; Coffer
// refuses rather than repairs, like its path canonicaliser (issue 10,
// item 5).
func CanonicalName(name string) error {
	if n := NormalizeName(name); n != name {
		return fmt.Errorf("%w: %q is not canonical: policy names are lower case without surrounding spaces (%q)", ErrInvalidName, name, n)
	}
	return nil
}
