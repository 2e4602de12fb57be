package gateway

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Mount is what the gateway needs to know about a mount to route to it.
type Mount struct {
	Path     string // with trailing slash
	Type     string
	Accessor string
	Config   framework.MountConfig
}

// Builtin is a mount that is not in the mount table (sys/, auth/token/):
// its backend is built once and lives as long as the gateway.
type Builtin struct {
	Path     string // with trailing slash
	Type     string
	Accessor string
	Backend  *framework.Backend
}

// liveMount is a mount whose backend the gateway has built.
type liveMount struct {
	mount   Mount
	backend *framework.Backend
}

// mountCache holds the backend of every mount requests have reached, by
// accessor. A mount whose type or options changed (a tune, a kv version
// upgrade) gets a new backend; the old one is cleaned.
type mountCache struct {
	mu      sync.Mutex
	live    map[string]*liveMount
	closed  bool
	cleanWG sync.WaitGroup
	log     func(msg string, args ...any)
}

// backendFor returns m's backend, building it with factory when there is
// none or when m changed since it was built.
func (c *mountCache) backendFor(m Mount, factory framework.Factory) (*framework.Backend, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, framework.Errorf(http.StatusServiceUnavailable, "Vault is sealed")
	}
	if lm, ok := c.live[m.Accessor]; ok {
		if lm.mount.Type == m.Type && lm.mount.Path == m.Path && maps.Equal(lm.mount.Config.Options, m.Config.Options) {
			return lm.backend, nil
		}
		delete(c.live, m.Accessor)
		c.cleanLater(lm.backend)
	}
	if factory == nil {
		return nil, framework.Errorf(http.StatusBadRequest, "no engine for mount type %q", m.Type)
	}
	b, err := factory(framework.MountInfo{Path: m.Path, Type: m.Type, Accessor: m.Accessor, Options: m.Config.Options, Config: m.Config})
	if err != nil {
		return nil, fmt.Errorf("gateway: build engine %s: %w", m.Type, err)
	}
	c.live[m.Accessor] = &liveMount{mount: m, backend: b}
	return b, nil
}

// cleanLater runs a backend's Clean off the caller's goroutine: Clean may
// wait for a loop that waits for the projector, and the caller may be the
// projector (an observer of mount.disabled). Close waits for it.
func (c *mountCache) cleanLater(b *framework.Backend) {
	if b == nil || b.Clean == nil {
		return
	}
	c.cleanWG.Add(1)
	go func() {
		defer c.cleanWG.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b.Cleanup(ctx)
	}()
}

// drop cleans and forgets the backend of the mount at path (disabled).
func (c *mountCache) drop(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for acc, lm := range c.live {
		if lm.mount.Path == path {
			delete(c.live, acc)
			c.cleanLater(lm.backend)
		}
	}
}

// each calls fn for every live backend.
func (c *mountCache) each(fn func(*framework.Backend)) {
	c.mu.Lock()
	backends := make([]*framework.Backend, 0, len(c.live))
	for _, lm := range c.live {
		backends = append(backends, lm.backend)
	}
	c.mu.Unlock()
	for _, b := range backends {
		fn(b)
	}
}

// close cleans every backend and waits for all cleanups.
func (c *mountCache) close() {
	c.mu.Lock()
	c.closed = true
	for acc, lm := range c.live {
		delete(c.live, acc)
		c.cleanLater(lm.backend)
	}
	c.mu.Unlock()
	c.cleanWG.Wait()
}

// route is a request resolved to a backend.
type route struct {
	mount   Mount
	rel     string
	backend *framework.Backend
}

func (s *Server) resolve(path string) (route, error) {
	for _, b := range s.cfg.Builtins {
		name := strings.TrimSuffix(b.Path, "/")
		if path == name || strings.HasPrefix(path, b.Path) {
			rel := strings.TrimPrefix(strings.TrimPrefix(path, name), "/")
			return route{mount: Mount{Path: b.Path, Type: b.Type, Accessor: b.Accessor}, rel: rel, backend: b.Backend}, nil
		}
	}
	m, rel, ok := s.cfg.Mounts(path)
	if !ok {
		return route{}, framework.Errorf(http.StatusNotFound, "no handler for route %q. route entry not found.", path)
	}
	b, err := s.mounts.backendFor(m, s.cfg.Factories[m.Type])
	if err != nil {
		return route{}, err
	}
	return route{mount: m, rel: rel, backend: b}, nil
}

// MountBackend returns the backend serving the mount at mountPath (a
// built-in one, or a mount's, built if it was not yet).
func (s *Server) MountBackend(mountPath string) (*framework.Backend, bool) {
	for _, b := range s.cfg.Builtins {
		if b.Path == mountPath {
			return b.Backend, true
		}
	}
	m, rel, ok := s.cfg.Mounts(mountPath)
	if !ok || rel != "" || m.Path != mountPath {
		return nil, false
	}
	b, err := s.mounts.backendFor(m, s.cfg.Factories[m.Type])
	if err != nil {
		return nil, false
	}
	return b, true
}

// DropMount cleans the backend of the mount at path, which was disabled:
// its goroutines and timers stop, and a request to a new mount at the same
// path gets a new backend.
func (s *Server) DropMount(path string) { s.mounts.drop(path) }

// Invalidate tells every live backend that a committed message changed an
// aggregate (kind, id). The node calls it from a projector observer.
func (s *Server) Invalidate(ctx context.Context, kind, id string) {
	for _, b := range s.cfg.Builtins {
		b.Backend.InvalidateKey(ctx, kind, id)
	}
	s.mounts.each(func(b *framework.Backend) { b.InvalidateKey(ctx, kind, id) })
}

// Close cleans every mount's backend (the built-in ones too) and waits for
// them: the node calls it when it seals or stops, before the stores the
// backends use are closed. Requests after Close are refused.
func (s *Server) Close() {
	s.mounts.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, b := range s.cfg.Builtins {
		b.Backend.Cleanup(ctx)
	}
}
