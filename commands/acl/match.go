package acl

import "strings"

type ruleKind uint8

const (
	kindExact    ruleKind = iota // no wildcard: matches only itself
	kindPrefix                   // trailing "*", no "+" segment
	kindSegments                 // has a "+" segment, maybe a trailing "*"
)

// rule is a compiled, merged path rule.
type rule struct {
	pattern string // as matched against, e.g. "secret/+/foo*"
	kind    ruleKind
	perms   permissions

	// Priority keys (Vault's CheckAllowedFromNonExactPaths).
	wcPath    string // pattern without a trailing "*"
	firstWC   int    // index of the first "+" (segments) or the "*" (prefix)
	isPrefix  bool   // pattern ends in "*"
	wildcards int    // number of "+" segments
	segments  []string
}

// compileRule classifies pattern exactly as Vault does: it has segment
// wildcards if it is "+", contains "/+" or starts with "+/"; otherwise a
// trailing "*" makes it a prefix rule; otherwise it is exact.
func compileRule(pattern string, perms permissions) *rule {
	r := &rule{pattern: pattern, perms: perms, wcPath: pattern}
	switch {
	case pattern == "+" || strings.Contains(pattern, "/+") || strings.HasPrefix(pattern, "+/"):
		r.kind = kindSegments
		r.firstWC = strings.Index(pattern, "+")
		if strings.HasSuffix(pattern, "*") {
			r.isPrefix = true
			r.wcPath = strings.TrimSuffix(pattern, "*")
		}
		r.segments = strings.Split(r.wcPath, "/")
		for _, s := range r.segments {
			if s == "+" {
				r.wildcards++
			}
		}
	case strings.HasSuffix(pattern, "*"):
		r.kind = kindPrefix
		r.isPrefix = true
		r.wcPath = strings.TrimSuffix(pattern, "*")
		r.firstWC = len(r.wcPath)
	default:
		r.kind = kindExact
	}
	return r
}

// matchSegments reports whether a segment-wildcard rule matches the
// request path split on "/". "+" matches exactly one segment (any
// content); with a trailing "*" the last pattern segment is a prefix of
// the corresponding path segment and any further segments are accepted.
func (r *rule) matchSegments(parts []string) bool {
	if len(parts) < len(r.segments) {
		return false
	}
	if !r.isPrefix && len(parts) != len(r.segments) {
		return false
	}
	last := len(r.segments) - 1
	for i, s := range r.segments {
		switch {
		case s == "+", s == parts[i]:
		case r.isPrefix && i == last && strings.HasPrefix(parts[i], s):
		default:
			return false
		}
	}
	return true
}

// lowerPriority reports whether a loses to b when both match a path,
// following Vault's documented priority rules, in order:
//  1. the first "+" or "*" occurs earlier in a;
//  2. a ends in "*" and b does not;
//  3. a has more "+" segments;
//  4. a is shorter;
//  5. a is smaller lexicographically.
func lowerPriority(a, b *rule) bool {
	if a.firstWC != b.firstWC {
		return a.firstWC < b.firstWC
	}
	if a.isPrefix != b.isPrefix {
		return a.isPrefix
	}
	if a.wildcards != b.wildcards {
		return a.wildcards > b.wildcards
	}
	if len(a.wcPath) != len(b.wcPath) {
		return len(a.wcPath) < len(b.wcPath)
	}
	return a.wcPath < b.wcPath
}

// lookup finds the rule governing path, in the order the fixed OpenBao
// (2.6.0, GHSA-xp3c-3jw3-4vcr) uses: an exact rule for the path; for list
// requests an exact rule for the path without its trailing "/"; the
// highest-priority glob or "+" rule matching the path as given; and only
// then, for list requests, one matching the path without its trailing
// "/". Trying the trimmed path before the full one (as Vault and older
// OpenBao do) lets `list` on "a/*" override `deny` on "a/b/*" for a
// LIST of "a/b/": the trimmed "a/b" matches only "a/*".
func (a *ACL) lookup(path string, list bool) *rule {
	path = strings.TrimLeft(path, "/")
	if r, ok := a.exact[path]; ok {
		return r
	}
	trimmed, hadSlash := strings.CutSuffix(path, "/")
	if list {
		if r, ok := a.exact[trimmed]; ok {
			return r
		}
	}
	if r := a.nonExact(path); r != nil {
		return r
	}
	if list && hadSlash {
		return a.nonExact(trimmed)
	}
	return nil
}

func (a *ACL) nonExact(path string) *rule {
	var best *rule
	for _, r := range a.prefixes {
		if strings.HasPrefix(path, r.wcPath) && (best == nil || len(r.wcPath) > len(best.wcPath)) {
			best = r
		}
	}
	if len(a.segmented) == 0 {
		return best
	}
	parts := strings.Split(path, "/")
	for _, r := range a.segmented {
		if r.wcPath == "" || !r.matchSegments(parts) {
			continue
		}
		if best == nil || lowerPriority(best, r) {
			best = r
		}
	}
	return best
}
