package runner

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// entry is one dependency's last answer, shared by every template that
// uses it.
type entry struct {
	dep tmpl.Dep
	// apiPath is the path actually requested (KV v2's data/ inserted),
	// without query: what events name.
	apiPath string
	secret  *vault.Secret
	err     error
	hash    [32]byte
	fetched time.Time
	// gen counts fetches; a lease timer carries the gen it was set for,
	// so a stale one is ignored.
	gen uint64
	// keptGen is the fetch whose lease keeper runs.
	keptGen uint64
	users   map[*managed]struct{}
	stop    context.CancelFunc // the lease keeper, if any
	ready   chan struct{}      // closed once the first fetch finished
}

// static reports a secret without a lease: only an event (or polling)
// tells it changed.
func (e *entry) static() bool {
	return e.err == nil && e.secret != nil && e.secret.LeaseID == "" && e.dep.Kind != tmpl.PKI
}

// store fetches and keeps dependencies for one token. It is safe for
// concurrent use: templates render in parallel.
type store struct {
	client *vault.Client // carries the token

	mu      sync.Mutex
	entries map[tmpl.Dep]*entry
	mounts  mountCache
}

func newStore(c *vault.Client) *store {
	return &store{client: c, entries: map[tmpl.Dep]*entry{}}
}

// Get is the templates' Source: the cached answer, or a fetch now.
func (s *store) Get(dep tmpl.Dep) (*vault.Secret, error) {
	s.mu.Lock()
	e, ok := s.entries[dep]
	if !ok {
		e = &entry{dep: dep, users: map[*managed]struct{}{}, ready: make(chan struct{})}
		s.entries[dep] = e
		s.mu.Unlock()
		_, _ = s.fetch(context.Background(), e)
		close(e.ready)
		s.mu.Lock()
	} else {
		s.mu.Unlock()
		<-e.ready
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	return e.secret, e.err
}

// fetch asks the server for e's dependency and records the answer; it
// reports whether the answer differs from the previous one, and the
// fetch's error.
func (s *store) fetch(ctx context.Context, e *entry) (bool, error) {
	path, err := s.resolve(ctx, e.dep)
	var sec *vault.Secret
	if err == nil {
		sec, err = s.request(ctx, e.dep, path)
	}
	h := digest(sec, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := e.gen == 0 || h != e.hash
	e.apiPath, e.secret, e.err, e.hash, e.fetched = stripQuery(path), sec, err, h, time.Now()
	e.gen++
	return changed, err
}

func (s *store) request(ctx context.Context, dep tmpl.Dep, path string) (*vault.Secret, error) {
	l := s.client.Logical()
	switch dep.Kind {
	case tmpl.Read:
		p, q := splitQuery(path)
		if q != nil {
			return l.ReadWithDataWithContext(ctx, p, q)
		}
		return l.ReadWithContext(ctx, p)
	case tmpl.List:
		return l.ListWithContext(ctx, path)
	default: // Write, PKI
		return l.WriteWithContext(ctx, path, dep.Data())
	}
}

// digest identifies an answer: the data and lease, not the request id.
func digest(sec *vault.Secret, err error) [32]byte {
	if err != nil {
		return sha256.Sum256([]byte("error:" + err.Error()))
	}
	if sec == nil {
		return sha256.Sum256([]byte("nil"))
	}
	b, _ := json.Marshal(struct {
		Lease string
		Data  map[string]any
	}{sec.LeaseID, sec.Data})
	return sha256.Sum256(b)
}

// entry returns the entry for dep, if any.
func (s *store) entry(dep tmpl.Dep) (*entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[dep]
	return e, ok
}

// all returns every entry.
func (s *store) all() []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e)
	}
	return out
}

// close stops every lease keeper.
func (s *store) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if e.stop != nil {
			e.stop()
		}
	}
}

func splitQuery(path string) (string, map[string][]string) {
	p, q, ok := strings.Cut(path, "?")
	if !ok {
		return path, nil
	}
	vals := map[string][]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		vals[k] = append(vals[k], v)
	}
	return p, vals
}

func stripQuery(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p
}

// statusOf is the HTTP status of a server error, 0 for anything else.
func statusOf(err error) int {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func isForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// errString is an error's text for logs; the Vault client's errors name
// the URL and the server's messages, never a secret.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
