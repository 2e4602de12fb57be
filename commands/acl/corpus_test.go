package acl

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestCorpusPolicies parses every policy under testdata/policies (real
// policy shapes from Vault's and OpenBao's documentation and tests,
// rewritten for this corpus) and compares what was understood with its
// .golden file. Run with -update to rewrite the golden files, then read
// the diff: each line there is a claim about Vault's semantics.
func TestCorpusPolicies(t *testing.T) {
	files := corpusFiles(t, "testdata/policies")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := parseCorpusFile(t, f)
			require.NoError(t, err)
			golden(t, f+".golden", renderPolicy(p)+renderDecisions(p))
		})
	}
}

// TestCorpusMalformed refuses every policy under testdata/malformed with
// the message in its .err file; the message carries line:column wherever
// the parser knows them.
func TestCorpusMalformed(t *testing.T) {
	files := corpusFiles(t, "testdata/malformed")
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := parseCorpusFile(t, f)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, ErrParse)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			golden(t, f+".err", err.Error()+"\n")
		})
	}
}

func parseCorpusFile(t *testing.T, path string) (*Policy, error) {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	return Parse(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), string(text))
}

// renderDecisions prints what the compiled policy answers at each rule's
// own pattern (read as a path): sys/capabilities, and an update carrying
// one parameter "x".
func renderDecisions(p *Policy) string {
	a := New(p)
	var b strings.Builder
	b.WriteString("\ndecisions at each pattern:\n")
	for _, r := range p.Rules {
		res := a.Authorize(r.Pattern, OpUpdate, Request{Data: map[string]any{"x": "y"}})
		verdict := "allowed"
		if !res.Allowed {
			verdict = "refused: " + res.Reason
		}
		fmt.Fprintf(&b, "  %q: capabilities %q; update {x}: %s\n", r.Pattern, a.Capabilities(r.Pattern), verdict)
	}
	return b.String()
}

func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, ext := range []string{"*.hcl", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, ext))
		require.NoError(t, err)
		out = append(out, m...)
	}
	slices.Sort(out)
	return out
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test -run %s -update", t.Name())
	assert.Equal(t, string(want), got)
}

// renderPolicy prints what Parse understood, one rule per paragraph.
func renderPolicy(p *Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy %q: %d rule(s), templated=%v\n", p.Name, len(p.Rules), p.Templated)
	for _, r := range p.Rules {
		fmt.Fprintf(&b, "\npath %q at %d:%d\n", r.Pattern, r.Line, r.Column)
		fmt.Fprintf(&b, "  capabilities: %s %q\n", r.Capabilities, r.CapabilityNames)
		if r.Templated {
			b.WriteString("  templated (skipped by New)\n")
		}
		c := r.Constraints
		if c.AllowedParameters != nil {
			fmt.Fprintf(&b, "  allowed_parameters: %s\n", renderParams(c.AllowedParameters))
		}
		if c.DeniedParameters != nil {
			fmt.Fprintf(&b, "  denied_parameters: %s\n", renderParams(c.DeniedParameters))
		}
		if c.RequiredParameters != nil {
			fmt.Fprintf(&b, "  required_parameters: %q\n", c.RequiredParameters)
		}
		if c.MinWrappingTTL != 0 {
			fmt.Fprintf(&b, "  min_wrapping_ttl: %v\n", c.MinWrappingTTL)
		}
		if c.MaxWrappingTTL != 0 {
			fmt.Fprintf(&b, "  max_wrapping_ttl: %v\n", c.MaxWrappingTTL)
		}
	}
	return b.String()
}

func renderParams(m map[string][]any) string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%q=%s", k, renderValue(m[k])))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// renderValue shows Go types where they matter for matching.
func renderValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = renderValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: %s", k, renderValue(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case string:
		return fmt.Sprintf("%q", x)
	case float64:
		return fmt.Sprintf("float(%v)", x)
	}
	return fmt.Sprintf("%v", v)
}
