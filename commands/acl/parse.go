package acl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
	hclparser "github.com/hashicorp/hcl/hcl/parser"
	"github.com/hashicorp/hcl/hcl/token"
	jsonparser "github.com/hashicorp/hcl/json/parser"
)

// PathRule is one `path "<pattern>" { ... }` block of a policy.
type PathRule struct {
	// Pattern is the path pattern with one leading "/" removed, as Vault
	// does; a trailing "*" and "+" segments are kept.
	Pattern string
	// Capabilities is the granted mask; a deny rule holds only DenyCap.
	Capabilities Capability
	// CapabilityNames are the capabilities as written, followed by the
	// expansion of a legacy `policy = "..."` attribute if present; a
	// deny rule's names are just ["deny"], as in Vault.
	CapabilityNames []string
	// Constraints are the rule's parameter and response-wrapping
	// constraints. A deny rule has none.
	Constraints
	// Templated is true when Pattern holds an identity template such as
	// {{identity.entity.id}}. Templates are not expanded: New skips such
	// rules, which is what Vault does for a token without an entity.
	Templated bool
	// Line and Column locate the block in the policy text (1-based; 0 in
	// JSON policies, whose parser keeps no positions).
	Line, Column int
}

// Policy is a parsed ACL policy.
type Policy struct {
	Name      string
	Raw       string
	Rules     []PathRule
	Templated bool // some rule is Templated
}

// Keys Vault accepts at the top level and inside a path block. The
// Enterprise-only keys and Vault 1.16's subscribe_event_types are
// recognised so that the refusal can say why.
var (
	topKeys  = map[string]bool{"name": true, "path": true}
	pathKeys = map[string]bool{
		"comment": true, "policy": true, "capabilities": true,
		"allowed_parameters": true, "denied_parameters": true, "required_parameters": true,
		"min_wrapping_ttl": true, "max_wrapping_ttl": true,
	}
	unsupportedPathKeys = map[string]string{
		"mfa_methods":           "Vault Enterprise MFA is not supported by Coffer",
		"control_group":         "Vault Enterprise control groups are not supported by Coffer",
		"subscribe_event_types": "event type filters are not supported by Coffer yet",
	}
)

// hclPathRule is what Vault decodes a path block into, with the same Go
// types, so that HCL 1 accepts and converts exactly what it does for
// Vault (a repeated list attribute is concatenated, a repeated scalar
// keeps its last value, numbers decode as int or float64).
type hclPathRule struct {
	Policy             string           `hcl:"policy"`
	Capabilities       []string         `hcl:"capabilities"`
	MinWrappingTTL     any              `hcl:"min_wrapping_ttl"`
	MaxWrappingTTL     any              `hcl:"max_wrapping_ttl"`
	AllowedParameters  map[string][]any `hcl:"allowed_parameters"`
	DeniedParameters   map[string][]any `hcl:"denied_parameters"`
	RequiredParameters []string         `hcl:"required_parameters"`
}

// legacyPolicies maps the pre-0.5 `policy = "..."` values to capabilities.
var legacyPolicies = map[string][]string{
	"deny":  {"deny"},
	"read":  {"read", "list"},
	"write": {"create", "read", "update", "delete", "list"},
	"sudo":  {"create", "read", "update", "delete", "list", "sudo"},
}

// Parse parses policy text the way Vault does: with HCL 1, or, when the
// text starts with "{", with HCL 1's JSON parser. So one-line blocks with
// several attributes, commas between attributes, repeated attributes,
// heredocs and "${" in strings are accepted as Vault accepts them. name is
// normalized with NormalizeName and must pass ValidateName.
//
// Errors are *ParseError values matching ErrParse (and
// ErrUnknownCapability or ErrUnsupported where they apply), with the line
// and column of the offending text where the parser knows it.
func Parse(name, text string) (*Policy, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	p := &Policy{Name: NormalizeName(name), Raw: text}
	ps := &parser{filename: p.Name + ".hcl", src: []byte(text)}
	if trimmed := bytes.TrimSpace(ps.src); len(trimmed) > 0 && trimmed[0] == '{' {
		ps.filename, ps.json = p.Name+".json", true
	}
	rules, err := ps.parse()
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		p.Templated = p.Templated || r.Templated
	}
	p.Rules = rules
	return p, nil
}

// recoveredPanic, when set (by tests), sees every panic parse recovers,
// so that a fuzzer can tell a runtime error from HCL 1's deliberate
// panics on unconvertible literals.
var recoveredPanic func(any)

type parser struct {
	filename string
	src      []byte
	json     bool
}

func (ps *parser) parse() (rules []PathRule, err error) {
	defer func() {
		// HCL 1 panics on some literals it scanned but cannot convert
		// (an integer beyond int64, a string it cannot unquote). Vault
		// would answer 500; a malformed policy is a 400.
		if r := recover(); r != nil {
			if recoveredPanic != nil {
				recoveredPanic(r)
			}
			rules, err = nil, ps.errAt(ErrParse, token.Pos{}, "invalid literal: %v", r)
		}
	}()
	var file *ast.File
	if ps.json {
		if err := ps.checkJSON(); err != nil {
			return nil, err
		}
		// HCL 1's JSON parser keeps positions only for some separators,
		// and a flattened object gets its parent's: past checkJSON a JSON
		// position would mislead, so JSON errors and rules carry none.
		defer func() {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.Line, pe.Column = 0, 0
			}
			for i := range rules {
				rules[i].Line, rules[i].Column = 0, 0
			}
		}()
		file, err = jsonparser.Parse(ps.src)
	} else {
		file, err = hclparser.ParseDontErrorOnDuplicateKeys(ps.src)
	}
	if err != nil {
		return nil, ps.wrap(err, token.Pos{}, "")
	}
	list, ok := file.Node.(*ast.ObjectList)
	if !ok {
		return nil, ps.errAt(ErrParse, token.Pos{}, "does not contain a root object")
	}
	if err := ps.checkKeys(list, topKeys, ""); err != nil {
		return nil, err
	}
	// Vault decodes (and then ignores) a top-level name; decoding it here
	// refuses what Vault refuses, such as a name that is an object.
	var top struct {
		Name string `hcl:"name"`
	}
	if err := hcl.DecodeObject(&top, list); err != nil {
		return nil, ps.wrap(err, token.Pos{}, "")
	}
	for _, item := range list.Filter("path").Items {
		rule, err := ps.pathRule(item)
		if err != nil {
			return nil, err
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

func (ps *parser) pathRule(item *ast.ObjectItem) (PathRule, error) {
	pos := nodePos(item)
	label := "path"
	if len(item.Keys) > 0 {
		label = keyString(item.Keys[0])
	}
	rule := PathRule{Pattern: strings.TrimPrefix(label, "/"), Line: pos.Line, Column: pos.Column}
	templated, err := checkTemplating(label)
	if err != nil {
		return rule, ps.errAt(ErrParse, pos, "path %q: failed to validate policy templating: %v", label, err)
	}
	rule.Templated = templated

	var body *ast.ObjectList
	switch v := item.Val.(type) {
	case *ast.ObjectType:
		body = v.List
	case *ast.ObjectList:
		body = v
	default:
		return rule, ps.errAt(ErrParse, pos, "path %q: expected a block, got %s", label, nodeKind(item.Val))
	}
	if err := ps.checkKeys(body, pathKeys, label); err != nil {
		return rule, err
	}
	var raw hclPathRule
	if err := hcl.DecodeObject(&raw, item.Val); err != nil {
		return rule, ps.wrap(err, pos, fmt.Sprintf("path %q: ", label))
	}
	if strings.Contains(rule.Pattern, "+*") {
		return rule, ps.errAt(ErrParse, pos, "path %q: invalid use of wildcards ('+*' is forbidden)", label)
	}

	names := raw.Capabilities
	if raw.Policy != "" {
		exp, ok := legacyPolicies[raw.Policy]
		if !ok {
			return rule, ps.errAt(ErrParse, attrPos(body, "policy", pos), "path %q: invalid policy %q", label, raw.Policy)
		}
		if raw.Policy == "deny" {
			names = nil
		}
		names = append(names, exp...)
	}
	// As in Vault, "deny" ends the rule: later names are not checked and
	// the constraints are not read.
	for _, n := range names {
		c, err := ParseCapability(n)
		if err != nil {
			// The message reads after "unknown capability " (commands/policy
			// puts the kind first).
			return rule, ps.errAt(ErrUnknownCapability, capabilityPos(body, n, pos), "%q in path %q", n, label)
		}
		if c == DenyCap {
			rule.Capabilities, rule.CapabilityNames = DenyCap, []string{"deny"}
			return rule, nil
		}
		rule.Capabilities |= c
	}
	rule.CapabilityNames = names
	rule.Constraints, err = ps.constraints(raw, body, label, pos)
	return rule, err
}

// checkKeys refuses keys Vault does not accept in list, as Vault's
// CheckHCLKeys does (case-sensitively), and the keys Coffer refuses.
func (ps *parser) checkKeys(list *ast.ObjectList, valid map[string]bool, label string) error {
	in := ""
	if label != "" {
		in = fmt.Sprintf("path %q: ", label)
	}
	for _, item := range list.Items {
		pos := nodePos(item)
		if len(item.Keys) == 0 {
			return ps.errAt(ErrParse, pos, "%sitem without a key", in)
		}
		key := keyString(item.Keys[0])
		if why, ok := unsupportedPathKeys[key]; ok && label != "" {
			return ps.errAt(ErrUnsupported, pos, "%s%s: %s", in, key, why)
		}
		if !valid[key] {
			return ps.errAt(ErrParse, pos, "%sinvalid key %q", in, key)
		}
	}
	return nil
}

// wrap turns an HCL error into a *ParseError at the error's position, or
// at fallback when HCL gave none.
func (ps *parser) wrap(err error, fallback token.Pos, prefix string) *ParseError {
	pos := fallback
	var pe *hclparser.PosError
	if errors.As(err, &pe) {
		if pe.Pos.IsValid() {
			pos = pe.Pos
		}
		err = pe.Err
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown slice type") {
		// The decoder's words for "a list was expected here".
		msg = "expected a list"
	}
	return ps.errAt(ErrParse, pos, "%s%s", prefix, msg)
}

// checkTemplating applies Vault's validity check for identity templates
// in a path: every "{{" is closed by exactly one "}}" before the next
// "{{", and no "}}" comes first. It reports whether there is a template.
func checkTemplating(s string) (bool, error) {
	parts := strings.Split(s, "{{")
	if strings.Contains(parts[0], "}}") {
		return false, errUnbalancedTemplate
	}
	for _, p := range parts[1:] {
		if strings.Count(p, "}}") != 1 {
			return false, errUnbalancedTemplate
		}
	}
	return len(parts) > 1, nil
}

var errUnbalancedTemplate = errors.New("unbalanced templating characters")

// isTemplated reports whether pattern contains a {{...}} identity template.
func isTemplated(pattern string) bool {
	i := strings.Index(pattern, "{{")
	return i >= 0 && strings.Contains(pattern[i:], "}}")
}

// keyString is the text of an object key (HCL 1 keys are identifiers or
// strings; Token.Value unquotes strings).
func keyString(k *ast.ObjectKey) string {
	if s, ok := k.Token.Value().(string); ok {
		return s
	}
	return k.Token.Text
}

// nodePos is the best position HCL kept for item: its first key, its
// "=", or its value (JSON keys carry no position).
func nodePos(item *ast.ObjectItem) token.Pos {
	if len(item.Keys) > 0 {
		if p := item.Keys[0].Pos(); p.IsValid() {
			return p
		}
	}
	if item.Assign.IsValid() {
		return item.Assign
	}
	if item.Val != nil {
		return item.Val.Pos()
	}
	return token.Pos{}
}

// attrPos is the position of the first attribute named name in body, or
// fallback.
func attrPos(body *ast.ObjectList, name string, fallback token.Pos) token.Pos {
	for _, it := range body.Items {
		if len(it.Keys) > 0 && keyString(it.Keys[0]) == name {
			if p := nodePos(it); p.IsValid() {
				return p
			}
		}
	}
	return fallback
}

// capabilityPos is the position of the literal capName in a capabilities
// list of body, or fallback.
func capabilityPos(body *ast.ObjectList, capName string, fallback token.Pos) token.Pos {
	for _, it := range body.Items {
		if len(it.Keys) == 0 || keyString(it.Keys[0]) != "capabilities" {
			continue
		}
		l, ok := it.Val.(*ast.ListType)
		if !ok {
			continue
		}
		for _, e := range l.List {
			if lit, ok := e.(*ast.LiteralType); ok && lit.Token.Type == token.STRING && lit.Token.Value() == capName {
				if p := lit.Pos(); p.IsValid() {
					return p
				}
			}
		}
	}
	return attrPos(body, "policy", fallback)
}

func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.LiteralType:
		return "a literal"
	case *ast.ListType:
		return "a list"
	}
	return fmt.Sprintf("%T", n)
}
