package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// recorder copies a proxied response as it streams to the client.
type recorder struct {
	http.ResponseWriter
	status      int
	body        bytes.Buffer
	passthrough bool // not cached: nothing is copied
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.passthrough && r.body.Len() < maxBody {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// cached is a stored answer.
type cached struct {
	status  int
	header  http.Header
	body    []byte
	leaseID string
	token   string
	path    string
	expires time.Time
}

func (c *cached) write(w http.ResponseWriter) {
	for k, vs := range c.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("X-Cache", "HIT")
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body)
}

type cache struct {
	mu      sync.Mutex
	entries map[string]*cached
	now     func() time.Time
}

func newCache() *cache { return &cache{entries: map[string]*cached{}, now: time.Now} }

// cacheKey identifies a request: method, path, query, body and token (a
// hash, so no token or body sits in memory as a key).
func cacheKey(r *http.Request, body []byte, token string) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(r.Method), []byte(r.URL.Path), []byte(r.URL.RawQuery), body, []byte(token)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *cache) get(key string) (*cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e, true
}

// observe stores a leased answer, and drops entries a revocation through
// the proxy ended.
func (c *cache) observe(r *http.Request, body []byte, token, key string, rec *recorder) {
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	if rec.status/100 == 2 && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
		switch {
		case path == "sys/leases/revoke" || path == "sys/revoke" || strings.HasPrefix(path, "sys/leases/revoke/") || strings.HasPrefix(path, "sys/revoke/"):
			var in struct {
				LeaseID string `json:"lease_id"`
			}
			_ = json.Unmarshal(body, &in)
			if in.LeaseID == "" {
				in.LeaseID = strings.TrimPrefix(strings.TrimPrefix(path, "sys/leases/revoke/"), "sys/revoke/")
			}
			c.clear("lease", in.LeaseID)
			return
		case strings.HasPrefix(path, "sys/leases/revoke-prefix/"), strings.HasPrefix(path, "sys/revoke-prefix/"):
			prefix := strings.TrimPrefix(strings.TrimPrefix(path, "sys/leases/revoke-prefix/"), "sys/revoke-prefix/")
			c.clearPrefix(prefix)
			return
		case path == "auth/token/revoke-self":
			c.clear("token", token)
			return
		}
	}
	if rec.status != http.StatusOK || rec.body.Len() >= maxBody {
		return
	}
	var env struct {
		LeaseID       string `json:"lease_id"`
		LeaseDuration int    `json:"lease_duration"`
	}
	if json.Unmarshal(rec.body.Bytes(), &env) != nil || env.LeaseID == "" || env.LeaseDuration <= 0 {
		return
	}
	hdr := rec.Header().Clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = &cached{status: rec.status, header: hdr, body: bytes.Clone(rec.body.Bytes()), leaseID: env.LeaseID,
		token: token, path: path, expires: c.now().Add(time.Duration(env.LeaseDuration) * time.Second)}
}

// clear drops entries by kind: all, lease (id), token, request_path.
func (c *cache) clear(kind, value string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, e := range c.entries {
		match := kind == "all" ||
			(kind == "lease" && e.leaseID == value) ||
			(kind == "token" && e.token == value) ||
			(kind == "request_path" && strings.TrimPrefix(value, "/v1/") == e.path)
		if match {
			delete(c.entries, k)
			n++
		}
	}
	return n
}

func (c *cache) clearPrefix(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if strings.HasPrefix(e.leaseID, prefix) {
			delete(c.entries, k)
		}
	}
}

// cacheClear is Vault Agent's POST /agent/v1/cache-clear.
func (p *Proxy) cacheClear(w http.ResponseWriter, r *http.Request) {
	if p.cache == nil {
		writeErrors(w, http.StatusNotFound, "agent: cache is not enabled")
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeErrors(w, http.StatusMethodNotAllowed, "agent: use POST")
		return
	}
	var in struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, "agent: invalid request body")
		return
	}
	switch in.Type {
	case "all":
	case "lease", "token", "request_path":
		if in.Value == "" {
			writeErrors(w, http.StatusBadRequest, "agent: value is required for type "+in.Type)
			return
		}
	default:
		writeErrors(w, http.StatusBadRequest, `agent: type must be "all", "lease", "token" or "request_path"`)
		return
	}
	p.cache.clear(in.Type, in.Value)
	w.WriteHeader(http.StatusOK)
}
