package token

import (
	"slices"
	"sort"
	"strings"
)

// unassignablePolicies are Vault-internal policies no token may be given.
var unassignablePolicies = []string{"response-wrapping", "control-group"}

// SanitizePolicies normalises a policy list as Vault does: trimmed,
// lower-cased, de-duplicated and sorted, without empty names; "root"
// swallows every other policy; "default" is added when addDefault is set
// (never next to "root").
func SanitizePolicies(in []string, addDefault bool) []string {
	out := make([]string, 0, len(in)+1)
	seen := map[string]bool{}
	for _, p := range in {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || seen[p] {
			continue
		}
		if p == "root" {
			return []string{"root"}
		}
		seen[p] = true
		out = append(out, p)
	}
	if addDefault && !seen["default"] {
		out = append(out, "default")
	}
	sort.Strings(out)
	return out
}

// subset reports whether every element of sub is in super.
func subset(super, sub []string) bool {
	for _, s := range sub {
		if !slices.Contains(super, s) {
			return false
		}
	}
	return true
}
