package acl

import (
	"sort"
	"strings"
)

// ACL is the compiled union of a token's policies. It is immutable after
// construction and safe for concurrent use. The zero value and a nil *ACL
// deny everything.
type ACL struct {
	root      bool
	exact     map[string]*rule
	prefixes  []*rule // kindPrefix, sorted by pattern
	segmented []*rule // kindSegments, sorted by pattern
}

// Result is the outcome of a Check.
type Result struct {
	// Allowed reports whether the operation is permitted.
	Allowed bool
	// Sudo reports whether the governing rule grants sudo (never for deny).
	Sudo bool
	// RootPrivs is Allowed && Sudo: the request may use a sudo-protected
	// path. Callers must still require it on such paths themselves.
	RootPrivs bool
	// IsRoot is true for a root ACL.
	IsRoot bool
	// MatchedPattern is the pattern of the governing rule, "" if none.
	MatchedPattern string
	// Capabilities is the governing rule's merged mask.
	Capabilities Capability
}

// NewRoot returns the ACL of a root token: everything is allowed.
func NewRoot() *ACL { return &ACL{root: true} }

// New compiles policies into an ACL. nil policies are ignored. Rules with
// the same pattern are merged across (and within) policies: capabilities
// are unioned, and deny in any of them makes the merged rule deny only.
// Rules whose pattern is an identity template are skipped (templating is
// not supported). New never produces a root ACL, whatever the policy
// names: a token holding the "root" policy must get NewRoot.
func New(policies ...*Policy) *ACL {
	a := &ACL{exact: map[string]*rule{}}
	merged := map[string]*rule{}
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, pr := range p.Rules {
			pattern := strings.TrimPrefix(pr.Pattern, "/")
			if pr.Templated || isTemplated(pattern) {
				continue
			}
			caps := pr.Capabilities
			if caps&DenyCap != 0 {
				caps = DenyCap
			}
			if r, ok := merged[pattern]; ok {
				r.caps = mergeCaps(r.caps, caps)
				continue
			}
			r := compileRule(pattern, caps)
			merged[pattern] = r
			switch r.kind {
			case kindExact:
				a.exact[pattern] = r
			case kindPrefix:
				a.prefixes = append(a.prefixes, r)
			case kindSegments:
				a.segmented = append(a.segmented, r)
			}
		}
	}
	byPattern := func(rs []*rule) {
		sort.Slice(rs, func(i, j int) bool { return rs[i].pattern < rs[j].pattern })
	}
	byPattern(a.prefixes)
	byPattern(a.segmented)
	return a
}

func mergeCaps(have, add Capability) Capability {
	if have&DenyCap != 0 || add&DenyCap != 0 {
		return DenyCap
	}
	return have | add
}

// IsRoot reports whether a is a root ACL.
func (a *ACL) IsRoot() bool { return a != nil && a.root }

// Check reports whether op on path is permitted. Leading "/" characters
// of path are ignored. Only the single governing rule applies: an exact
// rule if one exists, else the highest-priority glob or "+" rule.
func (a *ACL) Check(path string, op Operation) Result {
	if a == nil {
		return Result{}
	}
	if a.root {
		return Result{Allowed: true, Sudo: true, RootPrivs: true, IsRoot: true}
	}
	if op == OpHelp {
		return Result{Allowed: true}
	}
	r := a.lookup(path, op == OpList)
	if r == nil {
		return Result{}
	}
	res := Result{MatchedPattern: r.pattern, Capabilities: r.caps}
	if r.caps&DenyCap != 0 {
		return res
	}
	res.Sudo = r.caps&SudoCap != 0
	res.Allowed = r.caps.Has(op.Capability())
	res.RootPrivs = res.Allowed && res.Sudo
	return res
}

// Capabilities returns the capability names a grants on path, as Vault's
// sys/capabilities endpoints do: ["root"] for a root ACL, ["deny"] when no
// rule matches, the rule denies, or it grants nothing, and otherwise the
// granted names sorted alphabetically. Lookup uses list semantics, so a
// trailing "/" also tries the path without it.
func (a *ACL) Capabilities(path string) []string {
	if a.IsRoot() {
		return []string{RootCapability}
	}
	var r *rule
	if a != nil {
		r = a.lookup(path, true)
	}
	if r == nil || r.caps&DenyCap != 0 || r.caps == 0 {
		return []string{"deny"}
	}
	names := r.caps.Names()
	sort.Strings(names)
	return names
}
