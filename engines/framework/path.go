package framework

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// HandlerFunc handles one operation on one path family.
type HandlerFunc func(req *Request) (*Response, error)

// ExistenceFunc reports whether the item a write targets exists; a write to
// an existing item needs "update", to a new one "create". It runs before
// the ACL check and before the fields are validated.
type ExistenceFunc func(req *Request) (bool, error)

// Path is one entry of a backend's path table, like Vault's
// framework.Path: a pattern, its declared fields, one handler per
// operation, and what the gateway must know before any handler runs.
type Path struct {
	// Pattern is a regular expression over the mount-relative path,
	// anchored at both ends; named groups become Request.Vars (and read
	// as fields, taking priority over the body, when declared).
	Pattern string
	// Fields declares every field the path reads: its type (Vault's
	// coercions), default, description. Body or query fields not declared
	// here are ignored with a warning in the response, as Vault does,
	// unless TakesArbitraryInput.
	Fields map[string]*FieldSchema
	// Operations maps each supported operation to its handler.
	Operations map[Operation]HandlerFunc
	// ExistenceCheck decides create vs update for writes; without it every
	// write is an update.
	ExistenceCheck ExistenceFunc
	// Unauthenticated paths need no token (sys/health, a login, pki/ca).
	Unauthenticated bool
	// Unaudited paths are not written to the audit trail, as Vault's
	// health and seal-status are not.
	Unaudited bool
	// Sudo paths need the sudo capability on top of the operation's (as
	// Vault's PathsSpecial.Root).
	Sudo bool
	// AnyToken paths need a valid token but no grant on the path: their
	// handler filters what it returns by the token's own policies (the
	// event stream sends each subscriber only what it may read).
	AnyToken bool
	// TakesArbitraryInput paths accept any body field without warning.
	TakesArbitraryInput bool
	// RawBody lists the media types (Content-Type without parameters) a
	// write to this path takes as a raw body, in Request.RawBody, instead
	// of a JSON object: an OCSP request is DER (RFC 6960, A.1). The
	// gateway's body size limit still applies.
	RawBody []string
	// Synopsis and Description are the path's help (?help=1, OpenAPI).
	Synopsis    string
	Description string

	re *regexp.Regexp
}

// Backend is one mount's engine (or a sys service's part of sys/): its
// path table and its lifecycle, like Vault's framework.Backend.
type Backend struct {
	// Paths is the path table, tried in order.
	Paths []*Path
	// Help describes the backend (?help=1 on the mount itself).
	Help string
	// Clean stops what the mount runs (goroutines, timers, pools). The
	// gateway calls it once when the mount is disabled or tuned (a new
	// backend is built for the tuned mount) and when the node seals.
	Clean func(ctx context.Context)
	// Invalidate is called, in ledger order and on the projector's
	// goroutine, for every aggregate a committed message changed (kind and
	// id, as ledger.Event has them) while the mount is live; engines that
	// cache read models drop their entries here. It must not block.
	Invalidate func(ctx context.Context, kind, id string)
	// OpaqueTails are relative path prefixes ("ocsp/") after which the
	// rest of the path is data rather than segments: an OCSP GET request
	// is base64, whose '/' a client URL-encodes as %2F (RFC 6960) and
	// which may hold "//". The gateway accepts such a tail where it
	// refuses encoded slashes and empty segments anywhere else.
	OpaqueTails []string

	once sync.Once
}

// Factory builds the backend of one mount.
type Factory func(mount MountInfo) (*Backend, error)

// MountInfo describes the mount an engine instance serves.
type MountInfo struct {
	Path     string // with trailing slash: "secret/", "auth/userpass/"
	Type     string
	Accessor string
	Options  map[string]string
	Config   MountConfig
}

// Cleanup runs Clean, if any.
func (b *Backend) Cleanup(ctx context.Context) {
	if b != nil && b.Clean != nil {
		b.Clean(ctx)
	}
}

// InvalidateKey runs Invalidate, if any.
func (b *Backend) InvalidateKey(ctx context.Context, kind, id string) {
	if b != nil && b.Invalidate != nil {
		b.Invalidate(ctx, kind, id)
	}
}

// compile anchors and compiles the patterns once. A bad pattern (one that
// does not compile, or is not anchored at segment boundaries, see
// CheckAnchored) is a programming error and panics at start-up.
func (b *Backend) compile() {
	b.once.Do(func() {
		for _, p := range b.Paths {
			if p.re == nil {
				if err := CheckAnchored(p.Pattern); err != nil {
					panic(err)
				}
				p.re = regexp.MustCompile("^" + p.Pattern + "$")
			}
		}
	})
}

// Match returns the path entry for the mount-relative path rel and the
// variables its pattern captured.
func (b *Backend) Match(rel string) (*Path, map[string]string, error) {
	b.compile()
	for _, p := range b.Paths {
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

// Bind attaches the path's declared fields to req (its body plus the
// captured variables), without validating them yet.
func Bind(p *Path, req *Request) {
	raw := make(map[string]any, len(req.Data)+len(req.Vars))
	for k, v := range req.Data {
		raw[k] = v
	}
	for k, v := range req.Vars {
		if _, declared := p.Fields[k]; declared {
			raw[k] = v
		}
	}
	req.FieldData = &FieldData{Raw: raw, Schema: p.Fields}
}

// Handle runs req against the matching path: it validates the declared
// fields (400 with Vault's message on a field that does not convert), runs
// the operation's handler, and warns about body fields the path does not
// declare. The caller has already matched and ACL-checked it (see Match).
func Handle(p *Path, req *Request) (resp *Response, err error) {
	defer func() {
		// A handler that panics (reading a field it did not declare, say)
		// fails its request with a 500, not the connection.
		if r := recover(); r != nil {
			resp, err = nil, fmt.Errorf("%w: %v", ErrHandlerPanic, r)
		}
	}()
	if req.Operation == HelpOperation {
		return PathHelp(req.MountPath, p), nil
	}
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
	if req.FieldData == nil {
		Bind(p, req)
	}
	if err := req.FieldData.Validate(); err != nil {
		return nil, BadRequest("%v", err)
	}
	resp, err = h(req)
	if err != nil || resp == nil || resp.Raw != nil || resp.Stream != nil || p.TakesArbitraryInput || p.Fields == nil {
		return resp, err
	}
	if ignored := req.Ignored(req.Data); len(ignored) > 0 {
		resp.AddWarning(fmt.Sprintf("Endpoint ignored these unrecognized parameters: %v", ignored))
	}
	return resp, nil
}

// GenericNameRegex matches one path segment name, as Vault's does.
func GenericNameRegex(name string) string {
	return fmt.Sprintf("(?P<%s>\\w(([\\w-.@]+)?\\w)?)", name)
}

// OptionalParamRegex matches an optional trailing path segment.
func OptionalParamRegex(name string) string {
	return fmt.Sprintf("(/(?P<%s>.+))?", name)
}

// MatchAllRegex captures the rest of the path (possibly empty).
func MatchAllRegex(name string) string {
	return fmt.Sprintf("(?P<%s>.*)", name)
}

// Merge returns one backend serving every table in order (the sys/ mount
// is served by several modules), cleaning and invalidating them all.
func Merge(backends ...*Backend) *Backend {
	out := &Backend{}
	var live []*Backend
	for _, b := range backends {
		if b == nil {
			continue
		}
		out.Paths = append(out.Paths, b.Paths...)
		live = append(live, b)
	}
	out.Clean = func(ctx context.Context) {
		for _, b := range live {
			b.Cleanup(ctx)
		}
	}
	out.Invalidate = func(ctx context.Context, kind, id string) {
		for _, b := range live {
			b.InvalidateKey(ctx, kind, id)
		}
	}
	return out
}
