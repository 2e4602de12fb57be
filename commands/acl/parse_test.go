package acl

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseGood(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		patterns   []string
		caps       []Capability
		names      [][]string
		unenforced [][]string
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
			name: "all capabilities and trailing comma",
			text: `path "sys/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo", "subscribe",]
}`,
			patterns: []string{"sys/*"},
			caps:     []Capability{CreateCap | ReadCap | UpdateCap | PatchCap | DeleteCap | ListCap | SudoCap | SubscribeCap},
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
			names:    [][]string{{"read", "deny", "list"}},
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
			name: "tolerated constraints are recorded",
			text: `path "secret/foo" {
  capabilities        = ["create"]
  comment             = "why this exists"
  max_wrapping_ttl    = "1h"
  allowed_parameters  = { "bar" = ["zip", "zap"], "*" = [] }
  denied_parameters   = { "baz" = [] }
  required_parameters = ["bar"]
  min_wrapping_ttl    = 60
}`,
			patterns:   []string{"secret/foo"},
			caps:       []Capability{CreateCap},
			unenforced: [][]string{{"max_wrapping_ttl", "allowed_parameters", "denied_parameters", "required_parameters", "min_wrapping_ttl"}},
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
				assert.Positive(t, r.Line)
				assert.Positive(t, r.Column)
			}
			assert.Equal(t, tc.patterns, patterns)
			for i, c := range tc.caps {
				assert.Equal(t, c, p.Rules[i].Capabilities, "rule %d (%s)", i, p.Rules[i].Pattern)
			}
			for i, n := range tc.names {
				assert.Equal(t, n, p.Rules[i].CapabilityNames, "rule %d", i)
			}
			for i, u := range tc.unenforced {
				assert.Equal(t, u, p.Rules[i].Unenforced, "rule %d", i)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		pos     string // "file:line:col" expected in the message
		mention string // further substring expected in the message
		unknown bool   // error must also match ErrUnknownCapability
	}{
		{
			name:    "unknown capability names capability and position",
			text:    "path \"secret/*\" {\n  capabilities = [\"read\", \"reed\"]\n}",
			pos:     "bad.hcl:2:27",
			mention: `"reed"`,
			unknown: true,
		},
		{
			name:    "capability names are case sensitive",
			text:    `path "a" { capabilities = ["READ"] }`,
			pos:     "bad.hcl:1:28",
			mention: `"READ"`,
			unknown: true,
		},
		{
			name:    "unknown capability in json",
			text:    "{\"path\": {\"a\": {\n\"capabilities\": [\"root\"]}}}",
			pos:     "bad.json:2:18",
			mention: `"root"`,
			unknown: true,
		},
		{
			name:    "unclosed block",
			text:    "path \"a\" {\n  capabilities = [\"read\"]\n",
			pos:     "bad.hcl:",
			mention: "Unclosed",
		},
		{
			name:    "missing equals",
			text:    "path \"a\" {\n  capabilities [\"read\"]\n}",
			pos:     "bad.hcl:2:",
			mention: "",
		},
		{
			name:    "unknown attribute in path block",
			text:    "path \"a\" {\n  capabilities = [\"read\"]\n  mfa_methods = [\"x\"]\n}",
			pos:     "bad.hcl:3:3",
			mention: "mfa_methods",
		},
		{
			name:    "nested block refused",
			text:    "path \"a\" {\n  control_group {\n  }\n}",
			pos:     "bad.hcl:2:3",
			mention: "control_group",
		},
		{
			name:    "unknown top level block",
			text:    "path \"a\" { capabilities = [] }\nkey \"b\" {\n}",
			pos:     "bad.hcl:2:1",
			mention: "key",
		},
		{
			name:    "unknown top level attribute",
			text:    "\nfoo = 1\n",
			pos:     "bad.hcl:2:1",
			mention: "foo",
		},
		{
			name:    "path without label",
			text:    "path {\n}",
			pos:     "bad.hcl:1:",
			mention: "label",
		},
		{
			name:    "capabilities not a list",
			text:    "path \"a\" {\n  capabilities = \"read\"\n}",
			pos:     "bad.hcl:2:18",
			mention: "list of strings",
		},
		{
			name:    "capability not a string",
			text:    "path \"a\" {\n  capabilities = [read]\n}",
			pos:     "bad.hcl:2:19",
			mention: "Variables not allowed",
		},
		{
			name:    "invalid legacy policy",
			text:    "path \"a\" {\n  policy = \"admin\"\n}",
			pos:     "bad.hcl:2:12",
			mention: `invalid policy "admin"`,
		},
		{
			name:    "plus star forbidden",
			text:    "\npath \"secret/+*\" { capabilities = [\"read\"] }",
			pos:     "bad.hcl:2:6",
			mention: "'+*' is forbidden",
		},
		{
			name:    "duplicate attribute",
			text:    "path \"a\" {\n  policy = \"read\"\n  policy = \"write\"\n}",
			pos:     "bad.hcl:3:3",
			mention: "redefined",
		},
		{
			name:    "bad wrapping ttl",
			text:    "path \"a\" {\n  capabilities = []\n  min_wrapping_ttl = \"soon\"\n}",
			pos:     "bad.hcl:3:22",
			mention: "min_wrapping_ttl",
		},
		{
			name:    "max ttl below min ttl",
			text:    "path \"a\" {\n  min_wrapping_ttl = \"1h\"\n  max_wrapping_ttl = \"1m\"\n}",
			pos:     "bad.hcl:3:22",
			mention: "cannot be less",
		},
		{
			name:    "allowed_parameters values must be lists",
			text:    "path \"a\" {\n  allowed_parameters = { \"x\" = \"y\" }\n}",
			pos:     "bad.hcl:2:24",
			mention: `"x" must be a list`,
		},
		{
			name:    "json unknown property",
			text:    `{"path": {"a": {"capabilities": [], "bogus": 1}}}`,
			pos:     "bad.json:1:",
			mention: "bogus",
		},
		{
			name:    "malformed json",
			text:    `{"path": `,
			pos:     "bad.json:1:",
			mention: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("bad", tc.text)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, ErrParse)
			if tc.unknown {
				assert.ErrorIs(t, err, ErrUnknownCapability)
				assert.Contains(t, err.Error(), "acl: unknown capability")
			} else {
				assert.NotErrorIs(t, err, ErrUnknownCapability)
				assert.Contains(t, err.Error(), "acl: malformed policy")
			}
			assert.Contains(t, err.Error(), tc.pos)
			assert.Contains(t, err.Error(), tc.mention)
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
