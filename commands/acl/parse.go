package acl

import (
	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// PathRule is one `path "<pattern>" { ... }` block of a policy.
type PathRule struct {
	// Pattern is the path pattern with one leading "/" removed, as Vault
	// does; a trailing "*" and "+" segments are kept.
	Pattern string
	// Capabilities is the granted mask; a deny rule holds only DenyCap.
	Capabilities Capability
	// CapabilityNames are the capabilities as written, followed by the
	// expansion of a legacy `policy = "..."` attribute if present.
	CapabilityNames []string
	// Unenforced lists the attributes that were accepted for Vault
	// compatibility but are not enforced (allowed_parameters,
	// denied_parameters, required_parameters, min_wrapping_ttl,
	// max_wrapping_ttl), in the order they appear.
	Unenforced []string
	// Templated is true when Pattern holds an identity template such as
	// {{identity.entity.id}}. Templates are not expanded: New skips such
	// rules, which is what Vault does for a token without an entity.
	Templated bool
	// Line and Column locate the block in the policy text (1-based).
	Line, Column int
}

// Policy is a parsed ACL policy.
type Policy struct {
	Name      string
	Raw       string
	Rules     []PathRule
	Templated bool // some rule is Templated
}

var topSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "name"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "path", LabelNames: []string{"pattern"}}},
}

// Attributes accepted inside a path block. The parameter and wrapping
// constraints are validated but not enforced (see PathRule.Unenforced).
var (
	unenforcedAttrs = []string{"allowed_parameters", "denied_parameters", "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl"}
	pathSchema      = func() *hcl.BodySchema {
		s := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "capabilities"}, {Name: "policy"}, {Name: "comment"}}}
		for _, n := range unenforcedAttrs {
			s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
		}
		return s
	}()
)

// legacyPolicies maps the pre-0.5 `policy = "..."` values to capabilities.
var legacyPolicies = map[string][]string{
	"deny":  {"deny"},
	"read":  {"read", "list"},
	"write": {"create", "read", "update", "delete", "list"},
	"sudo":  {"create", "read", "update", "delete", "list", "sudo"},
}

// Parse parses policy text written in HCL native syntax or, when the text
// starts with "{", in HCL JSON syntax. name is normalized with NormalizeName
// and must pass ValidateName. Errors are *ParseError values matching
// ErrParse (and ErrUnknownCapability for a bad capability name), and carry
// the line and column of the offending text.
func Parse(name, text string) (*Policy, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	p := &Policy{Name: NormalizeName(name), Raw: text}
	filename := p.Name + ".hcl"
	src := []byte(text)
	var file *hcl.File
	var diags hcl.Diagnostics
	if trimmed := bytes.TrimSpace(src); len(trimmed) > 0 && trimmed[0] == '{' {
		filename = p.Name + ".json"
		file, diags = hcljson.Parse(src, filename)
	} else {
		file, diags = hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	content, diags := file.Body.Content(topSchema)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	if attr, ok := content.Attributes["name"]; ok {
		// Vault accepts and ignores a top-level name; the name argument wins.
		if _, _, err := stringValue(attr.Expr, "name"); err != nil {
			return nil, err
		}
	}
	for _, blk := range content.Blocks {
		rule, err := parsePathBlock(blk)
		if err != nil {
			return nil, err
		}
		p.Templated = p.Templated || rule.Templated
		p.Rules = append(p.Rules, rule)
	}
	return p, nil
}

func parsePathBlock(blk *hcl.Block) (PathRule, error) {
	label, labelRange := blk.Labels[0], blk.LabelRanges[0]
	rule := PathRule{
		Pattern: strings.TrimPrefix(label, "/"),
		Line:    blk.DefRange.Start.Line,
		Column:  blk.DefRange.Start.Column,
	}
	if strings.Contains(rule.Pattern, "+*") {
		return rule, errAt(ErrParse, labelRange, "path %q: invalid use of wildcards ('+*' is forbidden)", label)
	}
	rule.Templated = isTemplated(rule.Pattern)

	content, diags := blk.Body.Content(pathSchema)
	if diags.HasErrors() {
		return rule, diagError(diags)
	}
	if attr, ok := content.Attributes["capabilities"]; ok {
		names, ranges, err := stringList(attr.Expr, "capabilities")
		if err != nil {
			return rule, err
		}
		for i, n := range names {
			c, err := ParseCapability(n)
			if err != nil {
				return rule, errAt(ErrUnknownCapability, ranges[i], "%q in path %q", n, label)
			}
			rule.Capabilities |= c
		}
		rule.CapabilityNames = names
	}
	if attr, ok := content.Attributes["policy"]; ok {
		v, rng, err := stringValue(attr.Expr, "policy")
		if err != nil {
			return rule, err
		}
		exp, ok := legacyPolicies[v]
		if !ok {
			return rule, errAt(ErrParse, rng, "path %q: invalid policy %q (want deny, read, write or sudo)", label, v)
		}
		if v == "deny" {
			rule.CapabilityNames = nil
		}
		rule.CapabilityNames = append(rule.CapabilityNames, exp...)
		for _, n := range exp {
			c, _ := ParseCapability(n)
			rule.Capabilities |= c
		}
	}
	if rule.Capabilities&DenyCap != 0 {
		rule.Capabilities = DenyCap
	}
	if attr, ok := content.Attributes["comment"]; ok {
		if _, diags := attr.Expr.Value(nil); diags.HasErrors() {
			return rule, diagError(diags)
		}
	}
	unenforced, err := checkConstraints(content.Attributes)
	if err != nil {
		return rule, err
	}
	rule.Unenforced = unenforced
	return rule, nil
}

// isTemplated reports whether pattern contains a {{...}} identity template.
func isTemplated(pattern string) bool {
	i := strings.Index(pattern, "{{")
	return i >= 0 && strings.Contains(pattern[i:], "}}")
}

// stringValue evaluates expr, which must be a literal string.
func stringValue(expr hcl.Expression, what string) (string, hcl.Range, error) {
	rng := expr.Range()
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return "", rng, diagError(diags)
	}
	if !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String {
		return "", rng, errAt(ErrParse, rng, "%s must be a string", what)
	}
	return v.AsString(), rng, nil
}

// stringList evaluates expr, which must be a list of literal strings, and
// returns each element with its source range.
func stringList(expr hcl.Expression, what string) ([]string, []hcl.Range, error) {
	elems, diags := hcl.ExprList(expr)
	if diags.HasErrors() {
		return nil, nil, errAt(ErrParse, expr.Range(), "%s must be a list of strings", what)
	}
	names := make([]string, 0, len(elems))
	ranges := make([]hcl.Range, 0, len(elems))
	for _, e := range elems {
		s, rng, err := stringValue(e, what+" element")
		if err != nil {
			return nil, nil, err
		}
		names = append(names, s)
		ranges = append(ranges, rng)
	}
	return names, ranges, nil
}
