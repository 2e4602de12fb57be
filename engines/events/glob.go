package events

import "strings"

// matchGlob reports whether s matches pattern, where "*" matches any run
// of characters, "/" included (as Vault's event type globs do: "*" alone
// matches every type, "kv-v2/*" every KV event).
func matchGlob(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	parts := strings.Split(pattern, "*")
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	// The fixed ends are matched; the middle parts match leftmost-first in
	// what lies between them, which is enough for "*" (any run).
	s = s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}
