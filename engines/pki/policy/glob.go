package policy

import "strings"

// globMatch is Vault's glob (github.com/ryanuber/go-glob): '*' matches any
// run of characters, dots included; nothing else is special.
func globMatch(pattern, subj string) bool {
	if pattern == "" {
		return subj == ""
	}
	if pattern == "*" {
		return true
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return subj == pattern
	}
	leading := strings.HasPrefix(pattern, "*")
	trailing := strings.HasSuffix(pattern, "*")
	end := len(parts) - 1
	for i := 0; i < end; i++ {
		idx := strings.Index(subj, parts[i])
		switch {
		case i == 0 && !leading && idx != 0:
			return false
		case idx < 0:
			return false
		}
		subj = subj[idx+len(parts[i]):]
	}
	return trailing || strings.HasSuffix(subj, parts[end])
}
