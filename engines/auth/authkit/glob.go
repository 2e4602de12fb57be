package authkit

import "github.com/ryanuber/go-glob"

// GlobListContains reports whether needle matches one of the patterns, as
// Vault's strutil.StrListContainsGlob: "*" matches any run of characters,
// anywhere in a pattern; there is no other wildcard.
func GlobListContains(patterns []string, needle string) bool {
	for _, p := range patterns {
		if glob.Glob(p, needle) {
			return true
		}
	}
	return false
}
