package acl

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseGood(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		patterns []string
		caps     []Capability
		names    [][]string
	}{
		{
			name:     "empty policy",
			text:     "# nothing here\n",
			patterns: nil,
		},
		{
			name:     "single line block",
			text:     `path "secret/foo" { capabilities = ["read"] }`,
			patterns: []string{"secret/foo"},
			caps:     []Capability{ReadCap},
			names:    [][]string{{"read"}},
		},
		{
			// Issue 10 item 15: hcl/v2 refused this with "Invalid
			// single-argument block definition"; Vault accepts it.
			name:     "one line block with several attributes and commas",
			text:     `path "transit/keys/*" { capabilities = ["create", "update"], denied_parameters = { "deletion_allowed" = [] } }`,
			patterns: []string{"transit/keys/*"},
			caps:     []Capability{CreateCap | UpdateCap},
		},
		{
			name:     "one line block with attributes separated by spaces only",
			text:     `path "a" { capabilities = ["read"] policy = "write" }`,
			patterns: []string{"a"},
			caps:     []Capability{CreateCap | ReadCap | UpdateCap | DeleteCap | ListCap},
			names:    [][]string{{"read", "create", "read", "update", "delete", "list"}},
		},
		{
			name: "all capabilities and trailing comma",
			text: `path "sys/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo", "subscribe", "recover", "scan",]
}`,
			patterns: []string{"sys/*"},
			caps:     []Capability{CreateCap | ReadCap | UpdateCap | PatchCap | DeleteCap | ListCap | SudoCap | SubscribeCap | RecoverCap | ScanCap},
		},
		{
			name:     "leading slash stripped once",
			text:     `path "/secret/foo" { capabilities = ["read"] }`,
			patterns: []string{"secret/foo"},
			caps:     []Capability{ReadCap},
		},
		{
			name:     "deny overrides other capabilities",
			text:     `path "a" { capabilities = ["read", "deny", "list"] }`,
			patterns: []string{"a"},
			caps:     []Capability{DenyCap},
			names:    [][]string{{"deny"}},
		},
		{
			// Vault stops reading a rule at "deny".
			name:     "names after deny are not checked",
			text:     `path "a" { capabilities = ["deny", "bogus"] }`,
			patterns: []string{"a"},
			caps:     []Capability{DenyCap},
			names:    [][]string{{"deny"}},
		},
		{
			name:     "legacy deny replaces the capabilities list",
			text:     `path "a" { capabilities = ["bogus"], policy = "deny" }`,
			patterns: []string{"a"},
			caps:     []Capability{DenyCap},
			names:    [][]string{{"deny"}},
		},
		{
			name: "legacy policy values",
			text: `path "r" { policy = "read" }
path "w" { policy = "write" }
path "s" { policy = "sudo" }
path "d" { policy = "deny" }`,
			patterns: []string{"r", "w", "s", "d"},
			caps: []Capability{
				ReadCap | ListCap,
				CreateCap | ReadCap | UpdateCap | DeleteCap | ListCap,
				CreateCap | ReadCap | UpdateCap | DeleteCap | ListCap | SudoCap,
				DenyCap,
			},
			names: [][]string{
				{"read", "list"},
				{"create", "read", "update", "delete", "list"},
				{"create", "read", "update", "delete", "list", "sudo"},
				{"deny"},
			},
		},
		{
			name: "legacy policy merged with capabilities",
			text: `path "x" {
  capabilities = ["patch"]
  policy       = "read"
}`,
			patterns: []string{"x"},
			caps:     []Capability{PatchCap | ReadCap | ListCap},
			names:    [][]string{{"patch", "read", "list"}},
		},
		{
			// HCL 1 concatenates a repeated list attribute and keeps the
			// last value of a repeated scalar.
			name: "repeated attributes",
			text: `path "x" {
  capabilities = ["read"]
  capabilities = ["list"]
  policy = "deny"
  policy = "read"
}`,
			patterns: []string{"x"},
			caps:     []Capability{ReadCap | ListCap},
			names:    [][]string{{"read", "list", "read", "list"}},
		},
		{
			name:     "top level name is ignored",
			text:     "name = \"other\"\npath \"a\" { capabilities = [] }",
			patterns: []string{"a"},
			caps:     []Capability{0},
		},
		{
			name:     "plus and glob patterns",
			text:     `path "secret/+/config/*" { capabilities = ["list"] }`,
			patterns: []string{"secret/+/config/*"},
			caps:     []Capability{ListCap},
		},
		{
			name:     "interpolation syntax is literal text",
			text:     `path "secret/${user}/*" { capabilities = ["read"] }`,
			patterns: []string{"secret/${user}/*"},
			caps:     []Capability{ReadCap},
		},
		{
			name:     "path without a label is named path, as in Vault",
			text:     "path {\n  capabilities = [\"read\"]\n}",
			patterns: []string{"path"},
			caps:     []Capability{ReadCap},
		},
		{
			name:     "json syntax",
			text:     `{"path": {"secret/*": {"capabilities": ["read", "list"]}, "sys/mounts": {"policy": "deny"}}}`,
			patterns: []string{"secret/*", "sys/mounts"},
			caps:     []Capability{ReadCap | ListCap, DenyCap},
		},
		{
			name:     "json syntax with block list",
			text:     `{"path": [{"a/*": {"capabilities": ["read"]}}, {"b": {"capabilities": ["update"]}}]}`,
			patterns: []string{"a/*", "b"},
			caps:     []Capability{ReadCap, UpdateCap},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("Test", tc.text)
			require.NoError(t, err)
			assert.Equal(t, "test", p.Name)
			assert.Equal(t, tc.text, p.Raw)
			var patterns []string
			for _, r := range p.Rules {
				patterns = append(patterns, r.Pattern)
			}
			assert.Equal(t, tc.patterns, patterns)
			for i, c := range tc.caps {
				assert.Equal(t, c, p.Rules[i].Capabilities, "rule %d (%s)", i, p.Rules[i].Pattern)
			}
			for i, n := range tc.names {
				assert.Equal(t, n, p.Rules[i].CapabilityNames, "rule %d", i)
			}
		})
	}
}

func TestParseConstraints(t *testing.T) {
	p := mustParse(t, "c", `path "secret/foo" {
  capabilities        = ["create"]
  comment             = "why this exists"
  max_wrapping_ttl    = "1h"
  allowed_parameters  = { "Bar" = ["zip", "zap"], "*" = [] }
  denied_parameters   = { "baz" = [], "n" = [1, 2.5, true, {"k" = "v"}] }
  required_parameters = ["Bar"]
  min_wrapping_ttl    = 60
}
path "ttl/forms" {
  capabilities     = ["read"]
  min_wrapping_ttl = "2d"
  max_wrapping_ttl = 259200.9
}`)
	require.Len(t, p.Rules, 2)
	c := p.Rules[0].Constraints
	assert.Equal(t, map[string][]any{"bar": {"zip", "zap"}, "*": {}}, c.AllowedParameters, "names are lowercased")
	assert.Equal(t, map[string][]any{"baz": {}, "n": {1, 2.5, true, map[string]any{"k": "v"}}}, c.DeniedParameters)
	assert.Equal(t, []string{"Bar"}, c.RequiredParameters, "required names are kept as written")
	assert.Equal(t, time.Minute, c.MinWrappingTTL)
	assert.Equal(t, time.Hour, c.MaxWrappingTTL)
	assert.False(t, c.IsZero())

	c = p.Rules[1].Constraints
	assert.Equal(t, 48*time.Hour, c.MinWrappingTTL)
	assert.Equal(t, 72*time.Hour, c.MaxWrappingTTL, "fractions of a second are dropped")

	deny := mustParse(t, "d", `path "x" { capabilities = ["deny"], allowed_parameters = { "a" = [] }, max_wrapping_ttl = "nonsense" }`)
	assert.True(t, deny.Rules[0].Constraints.IsZero(), "a deny rule carries no constraints, and Vault does not read them")
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // the complete error message
		kind error  // besides ErrParse
	}{
		{
			name: "unknown capability names capability and position",
			text: "path \"secret/*\" {\n  capabilities = [\"read\", \"reed\"]\n}",
			want: `acl: unknown capability: bad.hcl:2:27: "reed" in path "secret/*"`,
			kind: ErrUnknownCapability,
		},
		{
			name: "capability names are case sensitive",
			text: `path "a" { capabilities = ["READ"] }`,
			want: `acl: unknown capability: bad.hcl:1:28: "READ" in path "a"`,
			kind: ErrUnknownCapability,
		},
		{
			name: "mfa refused, not ignored",
			text: "path \"a\" {\n  capabilities = [\"read\"]\n  mfa_methods = [\"x\"]\n}",
			want: `acl: unsupported policy feature: bad.hcl:3:3: path "a": mfa_methods: Vault Enterprise MFA is not supported by Coffer`,
			kind: ErrUnsupported,
		},
		{
			name: "nested parameter keys refused, not read literally",
			text: "path \"a\" {\n  capabilities = [\"update\"]\n  denied_parameters = { \"/config/admin\" = [] }\n}",
			want: `acl: unsupported policy feature: bad.hcl:3:3: path "a": denied_parameters: parameter key "/config/admin": nested (JSON pointer) parameter keys are not supported by Coffer`,
			kind: ErrUnsupported,
		},
		{
			name: "unclosed block",
			text: "path \"a\" {\n  capabilities = [\"read\"]\n",
			want: `acl: malformed policy: bad.hcl:3:2: object expected closing RBRACE got: EOF`,
		},
		{
			name: "json boolean in a parameter list",
			text: "{\"path\": {\"a\": {\"capabilities\": [\"update\"],\n  \"allowed_parameters\": {\"force\": [false]}}}}",
			want: `acl: malformed policy: bad.json:2:36: a boolean inside a list is dropped by Vault's policy parser; write this policy in HCL syntax`,
		},
		{
			name: "truncated json",
			text: `{"path": `,
			want: `acl: malformed policy: bad.json:1:10: invalid JSON: unexpected end of input`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("bad", tc.text)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, ErrParse)
			if tc.kind != nil {
				assert.ErrorIs(t, err, tc.kind)
			}
			assert.EqualError(t, err, tc.want)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.Positive(t, pe.Line)
			assert.Positive(t, pe.Column)
		})
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"default", nil},
		{"my-app.read_only", nil},
		{"jenkins/dev/master", nil},
		{"  MixedCase  ", nil},
		{"root", ErrRootPolicy},
		{" ROOT ", ErrRootPolicy},
		{"", ErrInvalidName},
		{"   ", ErrInvalidName},
		{"/leading", ErrInvalidName},
		{"trailing/", ErrInvalidName},
		{"a//b", ErrInvalidName},
		{"nul\x00byte", ErrInvalidName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateName(tc.name)
			if tc.err == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.err)
		})
	}
	assert.EqualError(t, ValidateName("root"), "acl: cannot create policy named root")
	assert.Equal(t, "mixedcase", NormalizeName("  MixedCase "))
}

func TestParseRejectsRootName(t *testing.T) {
	_, err := Parse("Root", `path "*" { capabilities = ["sudo"] }`)
	assert.ErrorIs(t, err, ErrRootPolicy)
}

func TestParseTemplatedPath(t *testing.T) {
	p, err := Parse("tpl", `path "secret/{{identity.entity.name}}/*" { capabilities = ["read"] }
path "secret/plain" { capabilities = ["read"] }`)
	require.NoError(t, err)
	assert.True(t, p.Templated)
	assert.True(t, p.Rules[0].Templated)
	assert.False(t, p.Rules[1].Templated)
}

func TestCapabilityHelpers(t *testing.T) {
	c, err := ParseCapability("patch")
	require.NoError(t, err)
	assert.Equal(t, PatchCap, c)
	_, err = ParseCapability("root")
	assert.ErrorIs(t, err, ErrUnknownCapability)
	c, err = ParseCapability("recover")
	require.NoError(t, err)
	assert.Equal(t, RecoverCap, c)
	assert.Equal(t, []string{"read", "list"}, (ReadCap | ListCap).Names())
	assert.Equal(t, []string{"deny"}, (DenyCap | ReadCap).Names())
	assert.Equal(t, "read|list", (ReadCap | ListCap).String())
	assert.Equal(t, "none", Capability(0).String())
	assert.True(t, (ReadCap | ListCap).Has(ReadCap))
	assert.False(t, ReadCap.Has(0))

	ops := map[Operation]Capability{
		OpCreate: CreateCap, OpRead: ReadCap, OpUpdate: UpdateCap, OpPatch: PatchCap,
		OpDelete: DeleteCap, OpList: ListCap, OpSubscribe: SubscribeCap,
		OpRenew: UpdateCap, OpRevoke: UpdateCap, OpRollback: UpdateCap,
		OpHelp: 0, Operation("bogus"): 0,
	}
	for op, want := range ops {
		assert.Equal(t, want, op.Capability(), string(op))
	}
}
