package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIndexAndEveryAssetItNames(t *testing.T) {
	h := Handler()
	for _, target := range []string{"/ui/", "/ui/index.html"} {
		r := get(t, h, http.MethodGet, target)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", target, r.Status)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("%s: content type %q", target, ct)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Fatalf("%s: index must not be cached, got %q", target, cc)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: CSP %q", target, csp)
		}
	}
	index := body(t, get(t, h, http.MethodGet, "/ui/"))
	refs := regexp.MustCompile(`(?:src|href)="(/ui/assets/[^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html names %d assets, want a script and a stylesheet:\n%s", len(refs), index)
	}
	for _, ref := range refs {
		r := get(t, h, http.MethodGet, ref[1])
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", ref[1], r.Status)
		}
		if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: cache %q", ref[1], r.Header.Get("Cache-Control"))
		}
		want := map[bool]string{true: "text/javascript", false: "text/css"}[strings.HasSuffix(ref[1], ".js")]
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
			t.Fatalf("%s: content type %q, want %s", ref[1], ct, want)
		}
		if len(body(t, r)) == 0 {
			t.Fatalf("%s is empty", ref[1])
		}
	}
	// The app reaches the server only through the public API.
	if strings.Contains(index, "http://") || strings.Contains(index, "https://") {
		t.Fatalf("index.html loads something from another origin:\n%s", index)
	}
}

func TestRedirectNotFoundAndMethods(t *testing.T) {
	h := Handler()
	r := get(t, h, http.MethodGet, "/ui")
	if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/ui/" {
		t.Fatalf("/ui: %s -> %q", r.Status, r.Header.Get("Location"))
	}
	for _, target := range []string{"/ui/nope", "/ui/assets/missing.js", "/ui/assets/../../ui.go", "/ui/source.sha256", "/ui/assets/a/b.js"} {
		if r := get(t, h, http.MethodGet, target); r.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %s, want 404", target, r.Status)
		}
	}
	r = get(t, h, http.MethodPost, "/ui/")
	if r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST /ui/: %s allow %q", r.Status, r.Header.Get("Allow"))
	}
	if r := get(t, h, http.MethodHead, "/ui/"); r.StatusCode != http.StatusOK || body(t, r) != "" {
		t.Fatalf("HEAD /ui/: %s", r.Status)
	}
	for p, want := range map[string]bool{"/ui": true, "/ui/": true, "/ui/assets/x.js": true, "/uix": false, "/v1/sys/health": false, "/": false} {
		if Served(p) != want {
			t.Fatalf("Served(%q) = %v", p, !want)
		}
	}
}

// TestBuiltFromTheseSources fails when web/ changed but dist/ was not
// rebuilt (or the other way round): run `make ui` and commit both.
func TestBuiltFromTheseSources(t *testing.T) {
	got, err := SourceDigest(os.DirFS("web"))
	if err != nil {
		t.Fatal(err)
	}
	built, err := BuiltDigest()
	if err != nil {
		t.Fatal(err)
	}
	if got != built {
		t.Fatalf("dist/ was built from other sources (dist says %s, web/ hashes to %s): run `make ui` and commit ui/dist", built, got)
	}
}
