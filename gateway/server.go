package gateway

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

// Mount is what the gateway needs to know about a mount to route to it.
type Mount struct {
	Path     string // with trailing slash
	Type     string
	Accessor string
	Config   framework.MountConfig
}

// TokenResolver authenticates raw tokens (engines/token implements it).
type TokenResolver interface {
	Resolve(ctx context.Context, raw string) (*framework.Auth, error)
	Use(ctx context.Context, auth *framework.Auth) error
}

// Config wires the gateway to the rest of the node.
type Config struct {
	Deps   framework.Deps
	Limits Limits
	// Mounts finds the mount holding a path (longest prefix) and the path
	// relative to it.
	Mounts func(path string) (Mount, string, bool)
	// ACL compiles a token's policies.
	ACL    func(policies []string) (*acl.ACL, error)
	Tokens TokenResolver
	// Factories build engines by mount type.
	Factories map[string]framework.Factory
	// Sys and Token are the built-in mounts at sys/ and auth/token/.
	Sys   framework.Backend
	Token framework.Backend
	// RootPaths need sudo (patterns; a trailing * matches a prefix).
	RootPaths []string
	// Sealed reports whether only unauthenticated paths may be served.
	Sealed func() bool
	Log    *slog.Logger
}

// Server serves Vault's HTTP API.
type Server struct {
	cfg     Config
	sys     *framework.Router
	token   *framework.Router
	audit   auditor
	mu      sync.Mutex
	routers map[string]*framework.Router // by mount accessor
}

// New builds the HTTP handler.
func New(cfg Config) *Server {
	if cfg.Limits.MaxBodyBytes == 0 {
		cfg.Limits = DefaultLimits
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Server{
		cfg:     cfg,
		sys:     framework.NewRouter(cfg.Sys),
		token:   framework.NewRouter(cfg.Token),
		audit:   auditor{barrier: cfg.Deps.Ledger.Barrier},
		routers: map[string]*framework.Router{},
	}
}

// route is a request resolved to a backend path entry.
type route struct {
	mount  Mount
	rel    string
	router *framework.Router
}

func (s *Server) resolve(path string) (route, error) {
	switch {
	case path == "sys" || strings.HasPrefix(path, "sys/"):
		return route{mount: Mount{Path: "sys/", Type: "system", Accessor: "system"}, rel: strings.TrimPrefix(strings.TrimPrefix(path, "sys"), "/"), router: s.sys}, nil
	case path == "auth/token" || strings.HasPrefix(path, "auth/token/"):
		return route{mount: Mount{Path: "auth/token/", Type: "token", Accessor: "auth_token"}, rel: strings.TrimPrefix(strings.TrimPrefix(path, "auth/token"), "/"), router: s.token}, nil
	}
	m, rel, ok := s.cfg.Mounts(path)
	if !ok {
		return route{}, framework.Errorf(http.StatusNotFound, "no handler for route %q. route entry not found.", path)
	}
	r, err := s.routerFor(m)
	if err != nil {
		return route{}, err
	}
	return route{mount: m, rel: rel, router: r}, nil
}

func (s *Server) routerFor(m Mount) (*framework.Router, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.routers[m.Accessor]; ok {
		return r, nil
	}
	f, ok := s.cfg.Factories[m.Type]
	if !ok {
		return nil, framework.Errorf(http.StatusBadRequest, "no engine for mount type %q", m.Type)
	}
	b, err := f(s.cfg.Deps, framework.MountInfo{Path: m.Path, Type: m.Type, Accessor: m.Accessor, Options: m.Config.Options})
	if err != nil {
		return nil, fmt.Errorf("gateway: build engine %s: %w", m.Type, err)
	}
	r := framework.NewRouter(b)
	s.routers[m.Accessor] = r
	return r, nil
}

func operationOf(r *http.Request) (framework.Operation, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if v := r.URL.Query().Get("list"); v == "true" || v == "1" {
			return framework.ListOperation, nil
		}
		return framework.ReadOperation, nil
	case "LIST":
		return framework.ListOperation, nil
	case http.MethodPost, http.MethodPut:
		return framework.UpdateOperation, nil
	case http.MethodDelete:
		return framework.DeleteOperation, nil
	case http.MethodPatch:
		return framework.PatchOperation, nil
	}
	return "", framework.Errorf(http.StatusMethodNotAllowed, "method %s not allowed", r.Method)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func clientToken(r *http.Request) string {
	if t := r.Header.Get("X-Vault-Token"); t != "" {
		return t
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeError(w, http.StatusNotFound)
		return
	}
	path, err := canonicalPath(strings.TrimPrefix(r.URL.EscapedPath(), "/v1/"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.Header.Get("X-Vault-Wrap-TTL") != "" {
		writeError(w, http.StatusBadRequest, "response wrapping is not supported by coffer yet")
		return
	}
	op, err := operationOf(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	data, err := s.readData(w, r, op)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.serve(w, r, path, op, data)
}

func (s *Server) readData(w http.ResponseWriter, r *http.Request, op framework.Operation) (map[string]any, error) {
	if op == framework.ReadOperation || op == framework.ListOperation || (op == framework.DeleteOperation && r.ContentLength <= 0) {
		q := r.URL.Query()
		if len(q) == 0 {
			return nil, nil
		}
		data := make(map[string]any, len(q))
		for k, vs := range q {
			if k != "list" && len(vs) > 0 {
				data[k] = vs[0]
			}
		}
		return data, nil
	}
	if r.ContentLength > s.cfg.Limits.MaxBodyBytes {
		return nil, framework.Errorf(http.StatusRequestEntityTooLarge, "%v: limit is %d bytes", ErrBodyTooLarge, s.cfg.Limits.MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, framework.Errorf(http.StatusRequestEntityTooLarge, "%v: limit is %d bytes", ErrBodyTooLarge, s.cfg.Limits.MaxBodyBytes)
		}
		return nil, framework.BadRequest("gateway: reading body: %v", err)
	}
	data, err := s.cfg.Limits.decodeBody(body)
	if err != nil {
		return nil, framework.BadRequest("%v", err)
	}
	return data, nil
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	status, msgs := framework.StatusOf(err)
	if status == http.StatusInternalServerError {
		s.cfg.Log.Error("request failed", "err", err)
	}
	writeError(w, status, msgs...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, path string, op framework.Operation, data map[string]any) {
	sealed := s.cfg.Sealed != nil && s.cfg.Sealed()
	rt, err := s.resolve(path)
	if err != nil {
		if sealed {
			writeError(w, http.StatusServiceUnavailable, "Vault is sealed")
			return
		}
		s.fail(w, err)
		return
	}
	entry, vars, err := rt.router.Match(rt.rel)
	if sealed && (err != nil || !entry.Unauthenticated) {
		writeError(w, http.StatusServiceUnavailable, "Vault is sealed")
		return
	}
	if err != nil {
		s.fail(w, framework.Errorf(http.StatusNotFound, "%v", err))
		return
	}
	ctx, index := commands.WithIndexRecorder(r.Context())
	requestID := newRequestID()
	req := &framework.Request{
		ID: requestID, Operation: op, Path: rt.rel, MountPath: rt.mount.Path, MountType: rt.mount.Type,
		MountAccessor: rt.mount.Accessor, MountConfig: rt.mount.Config, Vars: vars, Data: data,
		ContentType: r.Header.Get("Content-Type"), Query: r.URL.Query(), Headers: r.Header,
	}
	authErr := s.authorize(ctx, req, entry, path, clientToken(r))
	actor := "anonymous"
	if req.Auth != nil {
		actor = req.Auth.Accessor
	}
	ctx = commands.WithMeta(ctx, commands.Meta{Actor: actor, RequestID: requestID})
	req.Ctx = ctx
	if authErr != nil {
		// Refused requests are audited too: an investigator needs to see
		// who tried what.
		if !entry.Unaudited {
			rec := s.audit.request(req, path, r.RemoteAddr)
			_, msgs := framework.StatusOf(authErr)
			if _, err := s.cfg.Deps.Bus.Append(ctx, auditEvent(EventAuditRequest, rec), auditEvent(EventAuditResponse, s.audit.response(rec, nil, strings.Join(msgs, "; ")))); err != nil {
				s.auditFailed(w, err)
				return
			}
		}
		s.fail(w, authErr)
		return
	}
	if err := s.waitIndex(ctx, r); err != nil {
		s.fail(w, err)
		return
	}

	audited := !entry.Unaudited
	var reqRec AuditRecord
	if audited {
		reqRec = s.audit.request(req, path, r.RemoteAddr)
	}
	isRead := op == framework.ReadOperation || op == framework.ListOperation
	if audited && !isRead {
		if _, err := s.cfg.Deps.Bus.Append(ctx, auditEvent(EventAuditRequest, reqRec)); err != nil {
			s.auditFailed(w, err)
			return
		}
	}
	resp, herr := framework.Handle(entry, req)
	if audited {
		errMsg := ""
		if herr != nil {
			_, msgs := framework.StatusOf(herr)
			errMsg = strings.Join(msgs, "; ")
		}
		events := []ledger.Event{auditEvent(EventAuditResponse, s.audit.response(reqRec, resp, errMsg))}
		if isRead {
			events = append([]ledger.Event{auditEvent(EventAuditRequest, reqRec)}, events...)
		}
		if _, err := s.cfg.Deps.Bus.Append(ctx, events...); err != nil {
			s.auditFailed(w, err)
			return
		}
	}
	if seq := index.Load(); seq > 0 {
		w.Header().Set("X-Vault-Index", strconv.FormatUint(seq, 10))
	}
	if herr != nil {
		s.fail(w, herr)
		return
	}
	if resp != nil && resp.Stream != nil {
		resp.Stream(w, r)
		return
	}
	if r.Method == http.MethodHead {
		resp = headOnly(resp)
	}
	writeResponse(w, requestID, rt.mount.Type, resp)
}

func headOnly(resp *framework.Response) *framework.Response {
	if resp == nil {
		return nil
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	return &framework.Response{StatusCode: status, Raw: []byte{}, RawContentType: resp.RawContentType}
}

func (s *Server) auditFailed(w http.ResponseWriter, err error) {
	s.cfg.Log.Error("audit append failed; failing closed", "err", err)
	msg := ErrAuditFailed.Error()
	// Say why when the disk is full: the operator's next step. Only the
	// sentinel's text: the full error names the data dir.
	for _, cause := range []error{ledger.ErrStorageFull, ledger.ErrStorageFailed} {
		if errors.Is(err, cause) {
			msg += ": " + cause.Error() + "; requests are refused until it recovers"
		}
	}
	writeError(w, http.StatusServiceUnavailable, msg)
}

// waitIndex honours a client's X-Vault-Index: the read waits (briefly)
// until the local projections have applied at least that ledger index.
func (s *Server) waitIndex(ctx context.Context, r *http.Request) error {
	v := r.Header.Get("X-Vault-Index")
	if v == "" || s.cfg.Deps.Store == nil {
		return nil
	}
	seq, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil // Vault's opaque index format from another server: ignore
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.cfg.Deps.Store.WaitApplied(wctx, seq); err != nil {
		return framework.Errorf(http.StatusPreconditionFailed, "index %d not yet applied on this node", seq)
	}
	return nil
}

// authorize resolves the token, decides create vs update and checks the
// ACL. Unauthenticated paths accept a token if given (to tailor answers)
// but never require one.
func (s *Server) authorize(ctx context.Context, req *framework.Request, entry *framework.Path, path, token string) error {
	if token != "" {
		auth, err := s.cfg.Tokens.Resolve(ctx, token)
		if err != nil && !entry.Unauthenticated {
			if errors.Is(err, framework.ErrPermissionDenied) {
				return framework.Errorf(http.StatusForbidden, "permission denied")
			}
			return err
		}
		if err == nil {
			req.Auth = auth
		}
	}
	if req.Operation == framework.UpdateOperation && entry.ExistenceCheck != nil {
		exists, err := entry.ExistenceCheck(req)
		if err != nil {
			return err
		}
		if !exists {
			req.Operation = framework.CreateOperation
		}
	}
	if entry.Unauthenticated {
		return nil
	}
	if req.Auth == nil {
		return framework.Errorf(http.StatusForbidden, "permission denied")
	}
	policies := req.Auth.Policies
	if req.Auth.IsRoot {
		policies = []string{"root"}
	}
	a, err := s.cfg.ACL(policies)
	if err != nil {
		return err
	}
	res := a.Authorize(path, acl.Operation(req.Operation), acl.Request{Data: req.Data})
	if !res.Allowed {
		return framework.Errorf(http.StatusForbidden, "permission denied")
	}
	req.Sudo = res.RootPrivs || res.IsRoot
	if s.needsSudo(path) && !req.Sudo {
		return framework.Errorf(http.StatusForbidden, "permission denied")
	}
	return s.cfg.Tokens.Use(ctx, req.Auth)
}

func (s *Server) needsSudo(path string) bool {
	for _, p := range s.cfg.RootPaths {
		if strings.HasSuffix(p, "*") {
			if strings.HasPrefix(path, strings.TrimSuffix(p, "*")) {
				return true
			}
		} else if path == p || path == p+"/" {
			return true
		}
	}
	return false
}
