package acl

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// This file is a reference ACL for the fuzz target FuzzAuthorize: the
// same decisions as ACL, written the slow and obvious way. It enumerates
// every rule, merges rules of one pattern by re-reading Vault's merge
// rules, matches each pattern with a regular expression built from its
// text, and picks the winner by sorting all matching rules with Vault's
// documented priority. ACL instead keeps exact rules in a map, takes the
// longest prefix rule and walks "+" segments.

type refRule struct {
	pattern string
	perms   refPerms
}

type refPerms struct {
	caps             Capability
	minWrap, maxWrap time.Duration
	allowed, denied  map[string][]any
	required         []string
}

// refCompile merges the policies' rules, by pattern, in order.
func refCompile(policies []*Policy) []*refRule {
	var out []*refRule
	byPattern := map[string]*refRule{}
	for _, p := range policies {
		for _, pr := range p.Rules {
			pattern := strings.TrimPrefix(pr.Pattern, "/")
			if strings.Contains(pattern, "{{") && strings.Contains(pattern, "}}") {
				continue
			}
			add := refPerms{
				caps: pr.Capabilities, minWrap: pr.MinWrappingTTL, maxWrap: pr.MaxWrappingTTL,
				allowed: pr.AllowedParameters, denied: pr.DeniedParameters, required: pr.RequiredParameters,
			}
			if add.caps&DenyCap != 0 {
				add = refPerms{caps: DenyCap}
			}
			r, ok := byPattern[pattern]
			if !ok {
				r = &refRule{pattern: pattern, perms: refPerms{
					caps: add.caps, minWrap: add.minWrap, maxWrap: add.maxWrap,
					allowed: refCopy(add.allowed), denied: refCopy(add.denied), required: slices.Clone(add.required),
				}}
				byPattern[pattern] = r
				out = append(out, r)
				continue
			}
			have := &r.perms
			if have.caps&DenyCap != 0 {
				continue
			}
			if add.caps&DenyCap != 0 {
				*have = refPerms{caps: DenyCap, minWrap: have.minWrap, maxWrap: have.maxWrap, required: have.required}
				continue
			}
			have.caps |= add.caps
			have.minWrap = refMinPositive(have.minWrap, add.minWrap)
			have.maxWrap = refMinPositive(have.maxWrap, add.maxWrap)
			have.allowed = refMergeParams(have.allowed, add.allowed)
			have.denied = refMergeParams(have.denied, add.denied)
			for _, q := range add.required {
				if !slices.Contains(have.required, q) {
					have.required = append(have.required, q)
				}
			}
		}
	}
	return out
}

func refCopy(m map[string][]any) map[string][]any {
	if m == nil {
		return nil
	}
	out := map[string][]any{}
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// refMinPositive keeps the smaller bound, where a bound that is not
// positive is "unset" on the incoming side (Vault only takes add > 0).
func refMinPositive(have, add time.Duration) time.Duration {
	if add <= 0 {
		return have
	}
	if have == 0 || add < have {
		return add
	}
	return have
}

func refMergeParams(have, add map[string][]any) map[string][]any {
	if len(add) == 0 {
		return have
	}
	out := refCopy(have)
	if out == nil {
		out = map[string][]any{}
	}
	for k, v := range add {
		old, ok := out[k]
		switch {
		case len(v) == 0 || (ok && len(old) == 0):
			out[k] = []any{}
		default:
			out[k] = append(slices.Clone(v), old...)
		}
	}
	return out
}

type refKind int

const (
	refExact refKind = iota
	refPrefix
	refSegments
)

func refKindOf(pattern string) refKind {
	switch {
	case pattern == "+" || strings.Contains(pattern, "/+") || strings.HasPrefix(pattern, "+/"):
		return refSegments
	case strings.HasSuffix(pattern, "*"):
		return refPrefix
	}
	return refExact
}

// refRegexp turns a non-exact pattern into a regular expression: a
// trailing "*" is any suffix, a "+" segment (in a segments pattern) is
// any one segment, everything else is literal.
func refRegexp(pattern string) *regexp.Regexp {
	body, glob := strings.CutSuffix(pattern, "*")
	var sb strings.Builder
	sb.WriteString("^")
	if refKindOf(pattern) == refSegments {
		for i, seg := range strings.Split(body, "/") {
			if i > 0 {
				sb.WriteString("/")
			}
			if seg == "+" {
				sb.WriteString("[^/]*")
			} else {
				sb.WriteString(regexp.QuoteMeta(seg))
			}
		}
	} else {
		sb.WriteString(regexp.QuoteMeta(body))
	}
	if glob {
		sb.WriteString("(?s:.*)")
	}
	sb.WriteString("$")
	return regexp.MustCompile(sb.String())
}

// refKey is Vault's documented priority of a glob or "+" rule.
type refKey struct {
	firstWildcard int
	isPrefix      bool
	plusSegments  int
	length        int
	text          string
}

func refKeyOf(pattern string) refKey {
	body, glob := strings.CutSuffix(pattern, "*")
	k := refKey{isPrefix: glob, length: len(body), text: body}
	if refKindOf(pattern) == refSegments {
		k.firstWildcard = strings.Index(pattern, "+")
		for _, seg := range strings.Split(body, "/") {
			if seg == "+" {
				k.plusSegments++
			}
		}
	} else {
		k.firstWildcard = len(body)
	}
	return k
}

// refLess is the priority order, in the words of Vault's documentation:
// a loses if its first wildcard is earlier, if it ends in "*" and b does
// not, if it has more "+" segments, if it is shorter, if it sorts first.
func refLess(a, b refKey) bool {
	switch {
	case a.firstWildcard != b.firstWildcard:
		return a.firstWildcard < b.firstWildcard
	case a.isPrefix != b.isPrefix:
		return a.isPrefix
	case a.plusSegments != b.plusSegments:
		return a.plusSegments > b.plusSegments
	case a.length != b.length:
		return a.length < b.length
	}
	return a.text < b.text
}

func refBestGlob(rules []*refRule, path string) *refRule {
	var matching []*refRule
	for _, r := range rules {
		if refKindOf(r.pattern) == refExact {
			continue
		}
		if refKindOf(r.pattern) == refSegments && strings.TrimSuffix(r.pattern, "*") == "" {
			continue
		}
		if refRegexp(r.pattern).MatchString(path) {
			matching = append(matching, r)
		}
	}
	if len(matching) == 0 {
		return nil
	}
	slices.SortFunc(matching, func(a, b *refRule) int {
		ka, kb := refKeyOf(a.pattern), refKeyOf(b.pattern)
		switch {
		case refLess(ka, kb):
			return -1
		case refLess(kb, ka):
			return 1
		}
		return 0
	})
	return matching[len(matching)-1]
}

func refExactRule(rules []*refRule, path string) *refRule {
	for _, r := range rules {
		if refKindOf(r.pattern) == refExact && r.pattern == path {
			return r
		}
	}
	return nil
}

// refGoverning follows the fixed OpenBao order: exact, exact without the
// trailing "/" (list), glob on the path, glob without the "/" (list).
func refGoverning(rules []*refRule, path string, list bool) *refRule {
	for strings.HasPrefix(path, "/") {
		path = path[1:]
	}
	trimmed := strings.TrimSuffix(path, "/")
	if r := refExactRule(rules, path); r != nil {
		return r
	}
	if list {
		if r := refExactRule(rules, trimmed); r != nil {
			return r
		}
	}
	if r := refBestGlob(rules, path); r != nil {
		return r
	}
	if list && trimmed != path {
		return refBestGlob(rules, trimmed)
	}
	return nil
}

// refAuthorize is the reference decision. Value matching reuses
// allowedValue and deniedValue: FuzzAuthorize checks rule selection,
// merging and the order of the checks, not value semantics (those have
// their own table tests).
func refAuthorize(rules []*refRule, path string, op Operation, req Request) (bool, string) {
	if op == OpHelp {
		return true, ""
	}
	if op == OpList && path != "" && !strings.HasSuffix(path, "/") {
		path += "/"
	}
	r := refGoverning(rules, path, op == OpList)
	if r == nil {
		return false, ""
	}
	p := r.perms
	if p.caps&DenyCap != 0 || op.Capability() == 0 || p.caps&op.Capability() == 0 {
		return false, r.pattern
	}
	wrapped := req.WrapTTL > 0
	if p.maxWrap > 0 && (!wrapped || req.WrapTTL > p.maxWrap) ||
		p.minWrap > 0 && (!wrapped || req.WrapTTL < p.minWrap) ||
		p.minWrap != 0 && p.maxWrap != 0 && p.maxWrap < p.minWrap {
		return false, r.pattern
	}
	if op != OpRead && op != OpCreate && op != OpUpdate && op != OpPatch {
		return true, r.pattern
	}
	for _, q := range p.required {
		if _, ok := req.Data[strings.ToLower(q)]; !ok {
			return false, r.pattern
		}
	}
	for name, v := range req.Data {
		lname := strings.ToLower(name)
		if _, all := p.denied["*"]; all {
			return false, r.pattern
		}
		if list, ok := p.denied[lname]; ok && deniedValue(v, list) {
			return false, r.pattern
		}
	}
	if len(p.allowed) == 0 {
		return true, r.pattern
	}
	for name, v := range req.Data {
		list, named := p.allowed[strings.ToLower(name)]
		_, star := p.allowed["*"]
		if named && !allowedValue(v, list) || !named && !star {
			return false, r.pattern
		}
	}
	return true, r.pattern
}

// refCapabilities mirrors ACL.Capabilities.
func refCapabilities(rules []*refRule, path string) []string {
	r := refGoverning(rules, path, true)
	if r == nil || r.perms.caps&DenyCap != 0 || r.perms.caps == 0 {
		return []string{"deny"}
	}
	names := r.perms.caps.Names()
	slices.Sort(names)
	return names
}
