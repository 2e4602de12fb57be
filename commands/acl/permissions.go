package acl

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// permissions is what a merged rule grants: Vault's ACLPermissions.
type permissions struct {
	caps             Capability
	minWrap, maxWrap time.Duration
	allowed, denied  map[string][]any
	required         []string
}

// permissionsOf reads a parsed rule. A deny rule grants nothing and
// carries no constraints.
func permissionsOf(pr *PathRule) permissions {
	if pr.Capabilities&DenyCap != 0 {
		return permissions{caps: DenyCap}
	}
	c := pr.Constraints
	return permissions{
		caps: pr.Capabilities, minWrap: c.MinWrappingTTL, maxWrap: c.MaxWrappingTTL,
		allowed: c.AllowedParameters, denied: c.DeniedParameters, required: c.RequiredParameters,
	}
}

// clone copies p deeply enough that merging into the copy never writes
// into a parsed policy.
func (p permissions) clone() permissions {
	p.allowed = cloneParams(p.allowed)
	p.denied = cloneParams(p.denied)
	p.required = slices.Clone(p.required)
	return p
}

func cloneParams(m map[string][]any) map[string][]any {
	if m == nil {
		return nil
	}
	out := make(map[string][]any, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// merge folds add (another rule with the same pattern) into p exactly as
// Vault's NewACL does:
//   - a deny on either side makes the result deny, with no parameter
//     constraints;
//   - capabilities are unioned;
//   - for each wrapping bound the smaller positive value wins;
//   - allowed and denied parameters are merged name by name: an empty
//     value list (any value) on either side wins, otherwise the value
//     lists are concatenated. A rule without parameter constraints does
//     not lift the other's: merging {a} with nothing leaves {a};
//   - required parameters are unioned.
func (p *permissions) merge(add permissions) {
	switch {
	case p.caps&DenyCap != 0:
		return
	case add.caps&DenyCap != 0:
		p.caps = DenyCap
		p.allowed, p.denied = nil, nil
		return
	}
	p.caps |= add.caps
	if add.maxWrap > 0 && (p.maxWrap == 0 || add.maxWrap < p.maxWrap) {
		p.maxWrap = add.maxWrap
	}
	if add.minWrap > 0 && (p.minWrap == 0 || add.minWrap < p.minWrap) {
		p.minWrap = add.minWrap
	}
	p.allowed = mergeParams(p.allowed, add.allowed)
	p.denied = mergeParams(p.denied, add.denied)
	for _, r := range add.required {
		if !slices.Contains(p.required, r) {
			p.required = append(p.required, r)
		}
	}
}

func mergeParams(have, add map[string][]any) map[string][]any {
	if len(add) == 0 {
		return have
	}
	if have == nil {
		return cloneParams(add)
	}
	for k, v := range add {
		old, ok := have[k]
		if len(v) == 0 || (ok && len(old) == 0) {
			have[k] = []any{}
			continue
		}
		have[k] = append(slices.Clone(v), old...)
	}
	return have
}

// check applies the wrapping and parameter constraints to a request whose
// operation the rule's capabilities already allow, in Vault's order, and
// returns the reason for a refusal or "".
func (p *permissions) check(op Operation, req Request) string {
	if p.maxWrap > 0 && (req.WrapTTL <= 0 || req.WrapTTL > p.maxWrap) {
		return ReasonWrapping
	}
	if p.minWrap > 0 && (req.WrapTTL <= 0 || req.WrapTTL < p.minWrap) {
		return ReasonWrapping
	}
	// Merging can leave max < min even though one rule cannot.
	if p.minWrap != 0 && p.maxWrap != 0 && p.maxWrap < p.minWrap {
		return ReasonWrapping
	}
	switch op {
	case OpRead, OpCreate, OpUpdate, OpPatch:
	default:
		return ""
	}
	// Required names are lowercased, request names are not: a request
	// must send the lowercase name (Vault does the same).
	for _, name := range p.required {
		if _, ok := req.Data[strings.ToLower(name)]; !ok {
			return ReasonRequired + name
		}
	}
	if len(req.Data) == 0 || len(p.denied) == 0 && len(p.allowed) == 0 {
		return ""
	}
	// Map order first, which costs nothing; only a refusal pays for
	// sorting, so that the parameter named in the reason is always the
	// same one.
	if p.checkParams(nil, req.Data) == "" {
		return ""
	}
	return p.checkParams(slices.Sorted(maps.Keys(req.Data)), req.Data)
}

// checkParams applies denied_parameters, then allowed_parameters, to the
// request parameters: those named in order, or all of data in map order
// when order is nil.
func (p *permissions) checkParams(order []string, data map[string]any) string {
	names := func(yield func(string) bool) {
		if order != nil {
			for _, n := range order {
				if !yield(n) {
					return
				}
			}
			return
		}
		for n := range data {
			if !yield(n) {
				return
			}
		}
	}
	// Denied parameters take precedence over allowed ones.
	if len(p.denied) > 0 {
		if _, ok := p.denied["*"]; ok {
			return ReasonAllParamDenied
		}
		for name := range names {
			if values, ok := p.denied[strings.ToLower(name)]; ok && deniedValue(data[name], values) {
				return ReasonParamDenied + name
			}
		}
	}
	if len(p.allowed) == 0 {
		return ""
	}
	_, anyName := p.allowed["*"]
	if anyName && len(p.allowed) == 1 {
		return ""
	}
	for name := range names {
		values, ok := p.allowed[strings.ToLower(name)]
		if !ok && !anyName {
			return ReasonParamNotAllow + name
		}
		if ok && !allowedValue(data[name], values) {
			return ReasonParamNotAllow + name
		}
	}
	return ""
}
