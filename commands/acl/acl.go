package acl

import (
	"sort"
	"strings"
	"time"
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

// Request is what Authorize needs to know about a request besides its
// path and operation.
type Request struct {
	// Data is the request's parameters: the decoded JSON body for writes
	// (numbers as json.Number, as the gateway decodes them), the query
	// parameters for reads and lists. Parameter constraints apply to
	// read, create, update and patch requests.
	Data map[string]any
	// WrapTTL is the response-wrapping TTL the client asked for
	// (X-Vault-Wrap-TTL); zero when the response is not to be wrapped.
	// A rule with min_wrapping_ttl or max_wrapping_ttl refuses unwrapped
	// requests, as in Vault.
	WrapTTL time.Duration
}

// Result is the outcome of an authorization.
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
	// Reason says why a request was refused ("" when allowed), for logs
	// and audit records. It names parameters, never their values. Clients
	// get Vault's bare "permission denied".
	Reason string
}

// Reasons for a refusal (Result.Reason); some are followed by a
// parameter name.
const (
	ReasonNoRule         = "no policy rule matches the path"
	ReasonDenied         = "the governing policy rule denies the path"
	ReasonCapability     = "the governing policy rule does not grant the capability"
	ReasonWrapping       = "the request's response-wrapping TTL is outside the policy's bounds"
	ReasonRequired       = "required parameter missing: "
	ReasonParamDenied    = "parameter denied: "
	ReasonParamNotAllow  = "parameter not allowed: "
	ReasonAllParamDenied = "the policy denies every parameter"
)

// NewRoot returns the ACL of a root token: everything is allowed.
func NewRoot() *ACL { return &ACL{root: true} }

// New compiles policies into an ACL. nil policies are ignored. Rules with
// the same pattern are merged across (and within) policies as Vault
// merges them (see permissions.merge); rules with different patterns
// never merge: only the governing rule applies to a request. Rules whose
// pattern is an identity template are skipped (templating is not
// supported). New never produces a root ACL, whatever the policy names: a
// token holding the "root" policy must get NewRoot.
func New(policies ...*Policy) *ACL {
	a := &ACL{exact: map[string]*rule{}}
	merged := map[string]*rule{}
	for _, p := range policies {
		if p == nil {
			continue
		}
		for i := range p.Rules {
			pr := &p.Rules[i]
			pattern := strings.TrimPrefix(pr.Pattern, "/")
			if pr.Templated || isTemplated(pattern) {
				continue
			}
			perms := permissionsOf(pr)
			if r, ok := merged[pattern]; ok {
				r.perms.merge(perms)
				continue
			}
			r := compileRule(pattern, perms.clone())
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

// IsRoot reports whether a is a root ACL.
func (a *ACL) IsRoot() bool { return a != nil && a.root }

// ListPath is the path Vault checks for a LIST request: path with one
// trailing "/" (added if missing; leading "/" removed). Authorize applies
// it to OpList itself; the gateway needs it where it checks a list path
// against anything else (sudo paths, audit).
func ListPath(path string) string {
	path = strings.TrimLeft(path, "/")
	if path == "" || strings.HasSuffix(path, "/") {
		return path
	}
	return path + "/"
}

// Authorize decides a request as Vault's ACL does: the governing rule
// (see lookup) must grant op's capability, and then its wrapping-TTL and
// parameter constraints must accept req. For OpList the path is first
// given its trailing "/" (ListPath), so LIST "a/b" and LIST "a/b/" are
// one request, as in Vault. Leading "/" characters of path are ignored.
// OpHelp is always allowed.
func (a *ACL) Authorize(path string, op Operation, req Request) Result {
	if a == nil {
		return Result{Reason: ReasonNoRule}
	}
	if a.root {
		return Result{Allowed: true, Sudo: true, RootPrivs: true, IsRoot: true}
	}
	if op == OpHelp {
		return Result{Allowed: true}
	}
	list := op == OpList
	if list {
		path = ListPath(path)
	}
	r := a.lookup(path, list)
	if r == nil {
		return Result{Reason: ReasonNoRule}
	}
	caps := r.perms.caps
	res := Result{MatchedPattern: r.pattern, Capabilities: caps}
	if caps&DenyCap != 0 {
		res.Reason = ReasonDenied
		return res
	}
	res.Sudo = caps&SudoCap != 0
	if !caps.Has(op.Capability()) {
		res.Reason = ReasonCapability
		return res
	}
	if res.Reason = r.perms.check(op, req); res.Reason != "" {
		return res
	}
	res.Allowed = true
	res.RootPrivs = res.Sudo
	return res
}

// Check is Authorize for a request that carries no parameters and is not
// response-wrapped (a subscription, an internal lookup). A request with a
// body or query parameters must go through Authorize, or its parameter
// constraints are not applied.
func (a *ACL) Check(path string, op Operation) Result {
	return a.Authorize(path, op, Request{})
}

// Capabilities returns the capability names a grants on path, as Vault's
// sys/capabilities endpoints do: ["root"] for a root ACL, ["deny"] when no
// rule matches, the rule denies, or it grants nothing, and otherwise the
// granted names sorted alphabetically. The governing rule is found with
// list semantics on the path as given (no "/" is added): an exact rule
// for the path without a trailing "/" also counts, and a glob rule
// matching the path as given beats one matching it without the slash, so
// the answer agrees with what Authorize decides for LIST of the same
// path. Parameter and wrapping constraints are not evaluated (there is no
// request), as in Vault.
func (a *ACL) Capabilities(path string) []string {
	if a.IsRoot() {
		return []string{RootCapability}
	}
	var r *rule
	if a != nil {
		r = a.lookup(path, true)
	}
	if r == nil || r.perms.caps&DenyCap != 0 || r.perms.caps == 0 {
		return []string{"deny"}
	}
	names := r.perms.caps.Names()
	sort.Strings(names)
	return names
}
