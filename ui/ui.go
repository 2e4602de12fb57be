package ui

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

// Prefix is where the UI is served.
const Prefix = "/ui/"

// contentSecurityPolicy allows only the server's own origin: the app
// loads no CDN, fonts or images from elsewhere, and calls only /v1 on the
// same origin. connect-src 'self' covers fetch and the event stream.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler returns the UI's handler (one, shared). Mount it for "/ui" and
// "/ui/...".
func Handler() http.Handler { return shared() }

var shared = sync.OnceValue(func() http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("ui: embedded dist missing: " + err.Error()) // a build defect
	}
	return &handler{files: files}
})

type handler struct {
	files fs.FS
}

// Served reports whether path is the UI's: "/ui" or under "/ui/".
func Served(p string) bool { return p == "/ui" || strings.HasPrefix(p, Prefix) }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/ui" {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	name := strings.TrimPrefix(path.Clean(p), "/ui")
	name = strings.TrimPrefix(name, "/")
	switch {
	case name == "" || name == "index.html":
		h.serve(w, r, "index.html", "no-cache")
	case strings.HasPrefix(name, "assets/") && !strings.Contains(name[len("assets/"):], "/"):
		h.serve(w, r, name, "public, max-age=31536000, immutable")
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, name, cache string) {
	b, err := fs.ReadFile(h.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", cache)
	// ServeContent sets the content type from the extension and answers
	// ranges and HEAD; embedded files have no time, so no Last-Modified.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
