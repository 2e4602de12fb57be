package acl

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary text to the HCL 1 / JSON policy parser. It
// must never panic, must refuse with a *ParseError matching ErrParse, and
// what it accepts must be well formed and usable by New.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		seedAppPolicy,
		seedWriterPolicy,
		DefaultPolicy,
		`path "a/+/b*" { capabilities = ["read", "sudo"] }`,
		`path "x" { policy = "write" }`,
		`path "x" { allowed_parameters = { "*" = [] } min_wrapping_ttl = 1 }`,
		"path \"x\" {\n max_wrapping_ttl = \"2d\"\n denied_parameters = { a = [1, true, {k = \"v\"}, [\"l\"]] }\n}",
		`{"path": {"secret/*": {"capabilities": ["read"]}}}`,
		`{"path": [{"a": {"policy": "deny"}}]}`,
		`path "${x}" {}`,
		`path "a" { capabilities = [for c in ["read"] : c] }`,
		`path "a" { capabilities = ["read"], required_parameters = ["x"], }`,
		"path \"a\" {\n comment = <<EOT\nx\nEOT\n}",
		`path "{{identity.entity.id}}/*" { capabilities = ["read"] }`,
		`path "a" { allowed_parameters = { "n" = [99999999999999999999] } }`,
	} {
		f.Add(s)
	}
	for _, dir := range []string{"testdata/policies", "testdata/malformed"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.*"))
		for _, name := range files {
			if strings.HasSuffix(name, ".golden") || strings.HasSuffix(name, ".err") {
				continue
			}
			if b, err := os.ReadFile(name); err == nil {
				f.Add(string(b))
			}
		}
	}
	recoveredPanic = func(r any) {
		if _, ok := r.(runtime.Error); ok {
			panic(r) // a bug, not a literal HCL 1 could not convert
		}
	}
	defer func() { recoveredPanic = nil }()
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse("fuzz", text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrParse) {
				t.Fatalf("error is not a *ParseError matching ErrParse: %v", err)
			}
			if pe.Line < 0 || pe.Column < 0 || (pe.Line == 0) != (pe.Column == 0) {
				t.Fatalf("bad position %d:%d in %v", pe.Line, pe.Column, err)
			}
			return
		}
		for _, r := range p.Rules {
			if strings.Contains(r.Pattern, "+*") {
				t.Fatalf("accepted forbidden pattern %q", r.Pattern)
			}
			if r.Capabilities&DenyCap != 0 && (r.Capabilities != DenyCap || !r.Constraints.IsZero()) {
				t.Fatalf("deny mixed with grants or constraints: %+v", r)
			}
			var fromNames Capability
			for _, n := range r.CapabilityNames {
				c, err := ParseCapability(n)
				if err != nil {
					t.Fatalf("accepted unknown capability %q", n)
				}
				fromNames |= c
			}
			if r.Capabilities != DenyCap && fromNames != r.Capabilities {
				t.Fatalf("capabilities %s disagree with names %q", r.Capabilities, r.CapabilityNames)
			}
			for _, m := range []map[string][]any{r.AllowedParameters, r.DeniedParameters} {
				for k := range m {
					if k != strings.ToLower(k) || (k != "*" && strings.Contains(k, "*")) || strings.HasPrefix(k, "/") {
						t.Fatalf("accepted parameter name %q", k)
					}
				}
			}
			if r.MinWrappingTTL > 0 && r.MaxWrappingTTL > 0 && r.MaxWrappingTTL < r.MinWrappingTTL {
				t.Fatalf("accepted max < min wrapping TTL: %+v", r.Constraints)
			}
		}
		a := New(p, p)
		for _, r := range p.Rules {
			for _, op := range []Operation{OpRead, OpList, OpUpdate, OpSubscribe} {
				res := a.Authorize(r.Pattern, op, Request{Data: map[string]any{"x": "y"}, WrapTTL: time.Minute})
				if res.RootPrivs && !res.Allowed || res.Allowed != (res.Reason == "") {
					t.Fatalf("inconsistent result: %+v", res)
				}
			}
			if len(a.Capabilities(r.Pattern)) == 0 {
				t.Fatal("empty capabilities")
			}
		}
	})
}

// FuzzAuthorize builds policies from the fuzzer's bytes and checks every
// decision of ACL against the reference ACL in reference_test.go, for
// Authorize (allowed and governing rule) and Capabilities.
func FuzzAuthorize(f *testing.F) {
	f.Add([]byte("\x03\x12\x40\x01\x22\x07\x05\x13\x00\x09\x31\x02\x04\x01\x00\x44\x10\x02\x01"))
	f.Add([]byte("\x05\x00\x00\x40\x01\x02\x00\x00\x03\x02\x01\x00\x06\x02\x02\x01\x20\x01\x06\x02\x01\x06\x05"))
	f.Add([]byte("listdenybypass\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Add([]byte(strings.Repeat("\x11\x22\x33\x44\x55\x66\x77", 12)))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{b: data}
		policies := g.policies()
		a := New(policies...)
		ref := refCompile(policies)
		for range 1 + g.next()%4 {
			path, op, req := g.path(), g.op(), g.request()
			got := a.Authorize(path, op, req)
			wantAllowed, wantPattern := refAuthorize(ref, path, op, req)
			if got.Allowed != wantAllowed || (op != OpHelp && got.MatchedPattern != wantPattern) {
				t.Fatalf("%s %q %v wrap=%v\npolicies: %s\ngot allowed=%v rule=%q (%s), reference allowed=%v rule=%q",
					op, path, req.Data, req.WrapTTL, describe(policies), got.Allowed, got.MatchedPattern, got.Reason, wantAllowed, wantPattern)
			}
			if got, want := a.Capabilities(path), refCapabilities(ref, path); !slices.Equal(got, want) {
				t.Fatalf("Capabilities(%q) = %q, reference %q\npolicies: %s", path, got, want, describe(policies))
			}
		}
	})
}

// gen turns fuzzer bytes into policies and requests over a small
// alphabet, so that rules and paths collide often.
type gen struct {
	b []byte
	i int
}

func (g *gen) next() int {
	if g.i >= len(g.b) {
		return 0
	}
	g.i++
	return int(g.b[g.i-1])
}

var (
	genPatternSegs = []string{"a", "b", "ab", "+", "", "a*", "+b"}
	genPathSegs    = []string{"a", "b", "ab", "abc", "", "x"}
	genParams      = []string{"p", "q", "P", "*"}
	genValues      = []any{"v", "w", "v*", "", 1, true, []any{"v", "w"}}
	genOps         = []Operation{OpRead, OpList, OpCreate, OpUpdate, OpPatch, OpDelete, OpSubscribe, OpRenew, OpHelp}
)

func (g *gen) policies() []*Policy {
	var out []*Policy
	for range 1 + g.next()%3 {
		p := &Policy{Name: "fuzz"}
		for range 1 + g.next()%5 {
			p.Rules = append(p.Rules, g.rule())
		}
		out = append(out, p)
	}
	return out
}

func (g *gen) rule() PathRule {
	var segs []string
	for range 1 + g.next()%4 {
		segs = append(segs, genPatternSegs[g.next()%len(genPatternSegs)])
	}
	pattern := strings.Join(segs, "/")
	if g.next()%3 == 0 && !strings.HasSuffix(pattern, "+") {
		pattern += "*"
	}
	if g.next()%8 == 0 {
		pattern = "/" + pattern
	}
	r := PathRule{Pattern: pattern, Capabilities: Capability(g.next()|g.next()<<8) & (DenyCap | CreateCap | ReadCap | UpdateCap | PatchCap | DeleteCap | ListCap | SudoCap | SubscribeCap)}
	if r.Capabilities&DenyCap != 0 && g.next()%4 != 0 {
		r.Capabilities = DenyCap
	}
	if g.next()%2 == 0 {
		r.AllowedParameters = g.params()
	}
	if g.next()%2 == 0 {
		r.DeniedParameters = g.params()
	}
	if g.next()%4 == 0 {
		r.RequiredParameters = []string{genParams[g.next()%3]}
	}
	if g.next()%4 == 0 {
		r.MinWrappingTTL = time.Duration(g.next()%4-1) * time.Minute
	}
	if g.next()%4 == 0 {
		r.MaxWrappingTTL = time.Duration(g.next()%4-1) * time.Minute
	}
	return r
}

func (g *gen) params() map[string][]any {
	m := map[string][]any{}
	for range g.next() % 3 {
		var vals []any
		for range g.next() % 3 {
			vals = append(vals, genValues[g.next()%len(genValues)])
		}
		m[strings.ToLower(genParams[g.next()%len(genParams)])] = vals
	}
	return m
}

func (g *gen) path() string {
	var segs []string
	for range g.next() % 5 {
		segs = append(segs, genPathSegs[g.next()%len(genPathSegs)])
	}
	p := strings.Join(segs, "/")
	if g.next()%3 == 0 {
		p += "/"
	}
	return p
}

func (g *gen) op() Operation { return genOps[g.next()%len(genOps)] }

func (g *gen) request() Request {
	req := Request{WrapTTL: time.Duration(g.next()%4) * 30 * time.Second}
	n := g.next() % 3
	if n > 0 {
		req.Data = map[string]any{}
	}
	for range n {
		v := genValues[g.next()%len(genValues)]
		if n, ok := v.(int); ok {
			v = json.Number(string(rune('0' + n)))
		}
		req.Data[genParams[g.next()%3]] = v
	}
	return req
}

func describe(policies []*Policy) string {
	var parts []string
	for _, p := range policies {
		for _, r := range p.Rules {
			b, _ := json.Marshal(map[string]any{
				"pattern": r.Pattern, "caps": r.Capabilities.String(), "allowed": r.AllowedParameters,
				"denied": r.DeniedParameters, "required": r.RequiredParameters,
				"min": r.MinWrappingTTL.String(), "max": r.MaxWrappingTTL.String(),
			})
			parts = append(parts, string(b))
		}
		parts = append(parts, "|")
	}
	return strings.Join(parts, " ")
}
