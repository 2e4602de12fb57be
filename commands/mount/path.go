package mount

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
)

// Lease TTLs a mount inherits when it sets none ("system"), as Vault's
// defaults: 32 days each.
const (
	SystemDefaultLeaseTTL = 768 * time.Hour
	SystemMaxLeaseTTL     = 768 * time.Hour
)

// AuthPrefix is where auth methods are mounted.
const AuthPrefix = "auth/"

// protectedPrefixes are where built-in mounts live; nothing may be
// mounted, tuned or unmounted under them (Vault's protectedMounts).
var protectedPrefixes = []string{"audit/", "auth/", "cubbyhole/", "identity/", "sys/"}

// singletonTypes exist once, built in, and cannot be mounted again.
var singletonTypes = []string{"cubbyhole", "system", "token", "identity"}

// NormalizePath turns a user-given mount path into its canonical form: no
// leading slash, one trailing slash. It refuses paths that are empty, not
// clean ("a//b", "a/../b") or hold non-printable characters.
func NormalizePath(p string) (string, error) {
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return "", refuse(ErrInvalidPath, "path must be specified")
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if clean := path.Clean(p) + "/"; clean != p {
		return "", refuse(ErrInvalidPath, fmt.Sprintf("path '%v' does not match cleaned path '%v'", p, clean))
	}
	if strings.IndexFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return "", refuse(ErrInvalidPath, "path cannot contain non-printable characters")
	}
	return p, nil
}

// Protected reports whether path lies under a built-in mount.
func Protected(path string) bool {
	for _, p := range protectedPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
