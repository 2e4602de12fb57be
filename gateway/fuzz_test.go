package gateway

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalPath: whatever the client sends, a path that passes the
// canonicaliser and the limits has no '.', '..' or empty segment, no NUL,
// backslash or control character, is valid UTF-8 and within the limits;
// and canonicalising it again changes nothing (refuse, never repair).
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{
		"secret/data/foo", "secret/metadata/", "secret/data/a%20b", "secret/data/../../sys/policy",
		"secret/./data", "secret//data", "secret/data/%2e%2e/x", "secret/data%2Ffoo", "secret/data/foo%00",
		"secret\\data", "secret/data/%ff", "secret/data/%zz", "", "/", "sys/leases/lookup/", "a/%",
		strings.Repeat("a/", 200), "%C3%A9t%C3%A9/x",
	} {
		f.Add(s)
	}
	l := Limits{MaxPathBytes: 256, MaxPathSegments: 16}
	f.Fuzz(func(t *testing.T, escaped string) {
		limitErr := l.checkPath(escaped)
		p, err := canonicalPath(escaped)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("canonicalPath(%q) error %v does not wrap ErrBadPath", escaped, err)
			}
			return
		}
		if !utf8.ValidString(p) || strings.ContainsAny(p, "\x00\\") {
			t.Fatalf("canonicalPath(%q) = %q: invalid bytes", escaped, p)
		}
		for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("canonicalPath(%q) = %q: bad segment %q", escaped, p, seg)
			}
		}
		for _, r := range p {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("canonicalPath(%q) = %q: control character", escaped, p)
			}
		}
		if limitErr == nil && (len(p) > l.MaxPathBytes || strings.Count(strings.TrimSuffix(p, "/"), "/")+1 > l.MaxPathSegments) {
			t.Fatalf("checkPath(%q) passed a path over the limits: %q", escaped, p)
		}
		if !strings.Contains(p, "%") {
			if again, err := canonicalPath(p); err != nil || again != p {
				t.Fatalf("canonicalPath is not idempotent on %q: %q, %v", p, again, err)
			}
		}
	})
}

// FuzzDecodeBody: the JSON limits decoder never panics, refuses with
// ErrBadJSON, and what it accepts is an object within every limit.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"a":1}`, `{"data":{"v":"x"}}`, `[1,2]`, `"s"`, `{"a":[[[[[]]]]]}`, `{"a":1}{"b":2}`,
		`{"a":"` + strings.Repeat("x", 40) + `"}`, `{"a":{"b":{"c":{"d":{"e":{}}}}}}`, `{"a":1,"b":2,"c":3,"d":4,"e":5}`,
		`{"a":[1,2,3,4,5,6,7,8,9]}`, `{"a":1e999}`, `{"a":"\ud800"}`, `{`, ``, `   `,
	} {
		f.Add([]byte(s))
	}
	l := Limits{MaxBodyBytes: 1 << 16, MaxJSONDepth: 4, MaxStringBytes: 32, MaxObjectEntries: 4, MaxArrayElements: 8}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := l.decodeBody(body)
		if err != nil {
			if !errors.Is(err, ErrBadJSON) {
				t.Fatalf("decodeBody(%q) error %v does not wrap ErrBadJSON", body, err)
			}
			return
		}
		if m == nil {
			return
		}
		if d := depth(m); d > l.MaxJSONDepth {
			t.Fatalf("decodeBody(%q) accepted depth %d", body, d)
		}
		checkLimits(t, body, m, l)
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("decoded value does not marshal: %v", err)
		}
	})
}

func depth(v any) int {
	switch t := v.(type) {
	case map[string]any:
		d := 0
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	case []any:
		d := 0
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}

func checkLimits(t *testing.T, body []byte, v any, l Limits) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) > l.MaxObjectEntries {
			t.Fatalf("decodeBody(%q) accepted an object of %d entries", body, len(x))
		}
		for k, e := range x {
			if len(k) > l.MaxStringBytes {
				t.Fatalf("decodeBody(%q) accepted a key of %d bytes", body, len(k))
			}
			checkLimits(t, body, e, l)
		}
	case []any:
		if len(x) > l.MaxArrayElements {
			t.Fatalf("decodeBody(%q) accepted an array of %d elements", body, len(x))
		}
		for _, e := range x {
			checkLimits(t, body, e, l)
		}
	case string:
		if len(x) > l.MaxStringBytes {
			t.Fatalf("decodeBody(%q) accepted a string of %d bytes", body, len(x))
		}
	}
}
