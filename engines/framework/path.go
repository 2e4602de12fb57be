package framework

import (
	"fmt"
	"regexp"
	"strings"
)

// HandlerFunc handles one operation on one path family.
type HandlerFunc func(req *Request) (*Response, error)

// ExistenceFunc reports whether the item a write targets exists; a write to
// an existing item needs "update", to a new one "create".
type ExistenceFunc func(req *Request) (bool, error)

// Path is one entry of an engine's path table.
type Path struct {
	// Pattern is a regular expression over the mount-relative path,
	// anchored at both ends; named groups become Request.Vars.
	Pattern string
	// Operations maps each supported operation to its handler.
	Operations map[Operation]HandlerFunc
	// ExistenceCheck decides create vs update for writes; without it every
	// write is an update.
	ExistenceCheck ExistenceFunc
	// Unauthenticated paths need no token (sys/health, sys/seal-status).
	Unauthenticated bool
	// Unaudited paths are not written to the audit trail, as Vault's
	// health and seal-status are not.
	Unaudited bool

	re *regexp.Regexp
}

// Backend is an engine mounted at a path.
type Backend interface {
	// Paths is the engine's path table, tried in order.
	Paths() []*Path
}

// Router matches mount-relative paths against a backend's table.
type Router struct {
	paths []*Path
}

// NewRouter compiles the backend's patterns. A bad pattern is a programming
// error and panics at start-up.
func NewRouter(b Backend) *Router {
	paths := b.Paths()
	for _, p := range paths {
		p.re = regexp.MustCompile("^" + p.Pattern + "$")
	}
	return &Router{paths: paths}
}

// Match returns the path entry for rel and its captured variables.
func (r *Router) Match(rel string) (*Path, map[string]string, error) {
	for _, p := range r.paths {
		m := p.re.FindStringSubmatch(rel)
		if m == nil {
			continue
		}
		vars := map[string]string{}
		for i, name := range p.re.SubexpNames() {
			if name != "" && i < len(m) {
				vars[name] = m[i]
			}
		}
		return p, vars, nil
	}
	return nil, nil, fmt.Errorf("%w: %q", ErrUnsupportedPath, rel)
}

// Handle runs req against the matching path. The caller has already
// matched and ACL-checked it (see Match).
func Handle(p *Path, req *Request) (*Response, error) {
	h, ok := p.Operations[req.Operation]
	if !ok && req.Operation == CreateOperation {
		h, ok = p.Operations[UpdateOperation]
	}
	if !ok && req.Operation == UpdateOperation {
		h, ok = p.Operations[CreateOperation]
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s on %s", ErrUnsupportedOperation, req.Operation, strings.TrimSuffix(req.MountPath, "/")+"/"+req.Path)
	}
	return h(req)
}

// GenericNameRegex matches one path segment name, as Vault's does.
func GenericNameRegex(name string) string {
	return fmt.Sprintf("(?P<%s>\\w(([\\w-.@]+)?\\w)?)", name)
}

// MatchAllRegex captures the rest of the path (possibly empty).
func MatchAllRegex(name string) string {
	return fmt.Sprintf("(?P<%s>.*)", name)
}

// Paths is a Backend made of a literal table; Merge joins tables so one
// mount (sys/) can be served by several packages.
type Paths []*Path

// Paths implements Backend.
func (p Paths) Paths() []*Path { return p }

// Merge returns a backend that tries each backend's table in order.
func Merge(backends ...Backend) Backend {
	var all Paths
	for _, b := range backends {
		all = append(all, b.Paths()...)
	}
	return all
}
