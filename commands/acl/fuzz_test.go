package acl

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		seedAppPolicy,
		seedWriterPolicy,
		DefaultPolicy,
		`path "a/+/b*" { capabilities = ["read", "sudo"] }`,
		`path "x" { policy = "write" }`,
		`path "x" { allowed_parameters = { "*" = [] } min_wrapping_ttl = 1 }`,
		"path \"x\" {\n max_wrapping_ttl = \"2d\"\n denied_parameters = { a = [1, true, null] }\n}",
		`{"path": {"secret/*": {"capabilities": ["read"]}}}`,
		`{"path": [{"a": {"policy": "deny"}}]}`,
		`path "${x}" {}`,
		`path "a" { capabilities = [for c in ["read"] : c] }`,
	} {
		f.Add(s, "secret/a/b")
	}
	f.Fuzz(func(t *testing.T, text, path string) {
		p, err := Parse("fuzz", text)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error does not wrap ErrParse: %v", err)
			}
			return
		}
		for _, r := range p.Rules {
			if strings.Contains(r.Pattern, "+*") {
				t.Fatalf("accepted forbidden pattern %q", r.Pattern)
			}
			if r.Capabilities&DenyCap != 0 && r.Capabilities != DenyCap {
				t.Fatalf("deny mixed with other capabilities: %s", r.Capabilities)
			}
		}
		a := New(p, p)
		for _, op := range []Operation{OpRead, OpList, OpUpdate, OpSubscribe} {
			res := a.Check(path, op)
			if res.RootPrivs && !res.Allowed {
				t.Fatalf("RootPrivs without Allowed: %+v", res)
			}
		}
		if len(a.Capabilities(path)) == 0 {
			t.Fatal("empty capabilities")
		}
	})
}
