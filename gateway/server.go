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
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
)

// AuditLog appends audit records. The command bus is one; tests give the
// gateway one whose append fails, to prove it fails closed.
type AuditLog interface {
	Append(ctx context.Context, events ...ledger.Event) (uint64, error)
}

// Config wires the gateway to the rest of the node.
type Config struct {
	Deps   framework.Deps
	Limits Limits
	// Mounts finds the mount holding a path (longest prefix) and the path
	// relative to it: secrets engines and auth methods ("auth/<path>/").
	Mounts func(path string) (Mount, string, bool)
	// ACL compiles a token's policies.
	ACL    func(policies []string) (*acl.ACL, error)
	Tokens framework.TokenStore
	// Leases registers the lease of a Secret a handler returns without a
	// lease id. Nil refuses such responses.
	Leases framework.Leases
	// Factories build mounts by type (the started modules' factories).
	Factories map[string]framework.Factory
	// Builtins are the mounts that are not in the table: sys/ and
	// auth/token/.
	Builtins []Builtin
	// Audit appends the audit records; Deps.Bus when nil.
	Audit AuditLog
	// Sealed reports whether only unauthenticated paths may be served.
	Sealed func() bool
	Log    *slog.Logger
}

// Server serves Vault's HTTP API.
type Server struct {
	cfg    Config
	audit  auditor
	mounts *mountCache
}

// New builds the HTTP handler.
func New(cfg Config) *Server {
	if cfg.Limits.MaxBodyBytes == 0 {
		cfg.Limits = DefaultLimits
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Audit == nil && cfg.Deps.Bus != nil {
		cfg.Audit = cfg.Deps.Bus
	}
	if cfg.Mounts == nil {
		cfg.Mounts = func(string) (Mount, string, bool) { return Mount{}, "", false }
	}
	return &Server{
		cfg:    cfg,
		audit:  auditor{barrier: cfg.Deps.Ledger.Barrier},
		mounts: &mountCache{live: map[string]*liveMount{}},
	}
}

func operationOf(r *http.Request) (framework.Operation, error) {
	q := r.URL.Query()
	if h := q.Get("help"); h != "" && h != "false" && h != "0" && r.Method == http.MethodGet {
		return framework.HelpOperation, nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if v := q.Get("list"); v == "true" || v == "1" {
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
	escaped := strings.TrimPrefix(r.URL.EscapedPath(), "/v1/")
	if err := s.cfg.Limits.checkPath(escaped); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	path, err := canonicalPath(escaped)
	if err != nil {
		opaque, ok := s.opaqueTailPath(escaped)
		if !ok {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		path = opaque
	}
	wrap, err := wrapTTL(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	op, err := operationOf(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	if op == framework.ListOperation {
		// A LIST names a prefix: route and authorise it with its trailing
		// slash, as Vault's HTTP layer does, so "LIST sys/leases/lookup"
		// is the sudo route "leases/lookup/" and not the lookup-by-id one.
		path = acl.ListPath(path)
	}
	data, raw, err := s.readData(w, r, op)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.serve(w, r, path, op, data, raw, wrap)
}

// readData decodes the body of writes and the query of reads into the
// request's data; list, help and consistency are the gateway's own
// parameters. A body of a non-JSON media type is returned as read, for
// the path to take.
func (s *Server) readData(w http.ResponseWriter, r *http.Request, op framework.Operation) (map[string]any, *rawBody, error) {
	if op == framework.ReadOperation || op == framework.ListOperation || op == framework.HelpOperation || (op == framework.DeleteOperation && r.ContentLength <= 0) {
		q := r.URL.Query()
		if len(q) == 0 {
			return nil, nil, nil
		}
		data := make(map[string]any, len(q))
		for k, vs := range q {
			if k != "list" && k != "help" && k != QueryConsistency && len(vs) > 0 {
				data[k] = vs[0]
			}
		}
		return data, nil, nil
	}
	if r.ContentLength > s.cfg.Limits.MaxBodyBytes {
		return nil, nil, framework.Errorf(http.StatusRequestEntityTooLarge, "%v: limit is %d bytes", ErrBodyTooLarge, s.cfg.Limits.MaxBodyBytes)
	}
	if rawBodyPaths[r.URL.Path] {
		_, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxBodyBytes))
		return nil, nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, framework.Errorf(http.StatusRequestEntityTooLarge, "%v: limit is %d bytes", ErrBodyTooLarge, s.cfg.Limits.MaxBodyBytes)
		}
		return nil, nil, framework.BadRequest("gateway: reading body: %v", err)
	}
	if mt := nonJSONMediaType(r); mt != "" && len(body) > 0 {
		return nil, &rawBody{mediaType: mt, body: body}, nil
	}
	data, err := s.cfg.Limits.decodeBody(body)
	if err != nil {
		return nil, nil, framework.BadRequest("%v", err)
	}
	return data, nil, nil
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	status, msgs := framework.StatusOf(err)
	if status == http.StatusInternalServerError {
		if msg, ok := ledgerUnavailable(err); ok {
			// Transient: the client may retry (Vault's clients retry a
			// 503), and the operator's log still has the cause.
			s.cfg.Log.Warn("request refused: ledger unavailable", "err", err)
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, msg)
			return
		}
	}
	// A refusal that says when to come back (a throttled login) says so
	// in Retry-After.
	var ra interface{ RetryAfterSeconds() int }
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(ra.RetryAfterSeconds()))
	}
	if status == http.StatusInternalServerError {
		s.cfg.Log.Error("request failed", "err", err)
	}
	writeError(w, status, msgs...)
}

func (s *Server) sealed() bool { return s.cfg.Sealed != nil && s.cfg.Sealed() }

// serve runs one request through routing, authorisation, the audit trail,
// the handler and the core's completion of its response. The order is the
// package doc's.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, path string, op framework.Operation, data map[string]any, raw *rawBody, wrapTTL time.Duration) {
	sealed := s.sealed()
	rt, routeErr := s.resolve(path)
	var entry *framework.Path
	var vars map[string]string
	rootHelp := false
	if routeErr == nil {
		var matchErr error
		entry, vars, matchErr = rt.backend.Match(rt.rel)
		rootHelp = op == framework.HelpOperation && rt.rel == ""
		if matchErr != nil {
			routeErr = framework.Errorf(http.StatusNotFound, "%v", matchErr)
		}
	}
	if rootHelp {
		// ?help=1 on the mount itself: a path that needs a token.
		entry, vars, routeErr = &framework.Path{}, map[string]string{}, nil
	}
	if sealed && (routeErr != nil || !entry.Unauthenticated) {
		writeError(w, http.StatusServiceUnavailable, "Vault is sealed")
		return
	}
	if routeErr != nil {
		// A path nothing serves is still authorised and audited, as in
		// Vault: a token without a grant learns nothing (403), and an
		// investigator sees every probe (issue 10, item 8).
		entry, vars = &framework.Path{}, map[string]string{}
		if rt.mount.Path == "" {
			rt.rel = path
		}
	}
	var rawBytes []byte
	var bodyErr error
	if raw != nil && routeErr == nil {
		data, rawBytes, bodyErr = s.bindRaw(entry, raw)
	}
	ctx, index := commands.WithIndexRecorder(r.Context())
	requestID := newRequestID()
	req := &framework.Request{
		ID: requestID, Operation: op, Path: rt.rel, MountPath: rt.mount.Path, MountType: rt.mount.Type,
		MountAccessor: rt.mount.Accessor, MountConfig: rt.mount.Config, Vars: vars, Data: data, RawBody: rawBytes,
		Method: r.Method, ContentType: r.Header.Get("Content-Type"), Query: r.URL.Query(), Headers: r.Header, RemoteAddr: r.RemoteAddr,
		WrapTTL: wrapTTL,
	}
	framework.Bind(entry, req)
	// The consistency wait comes before authorisation, so that a token
	// minted on another node is known here (consistency.go).
	waitErr := s.awaitRequested(ctx, r)
	authErr := s.authorize(ctx, req, entry, path, clientToken(r))
	actor := "anonymous"
	if req.Auth != nil {
		actor = req.Auth.Accessor
	}
	ctx = commands.WithMeta(ctx, commands.Meta{Actor: actor, RequestID: requestID})
	req.Ctx = ctx
	if authErr == nil && routeErr != nil {
		authErr = routeErr
	}
	if authErr == nil {
		authErr = bodyErr
	}
	if authErr == nil {
		// The wait's refusal (412, 503) is reported after authorisation
		// (a num_uses use is spent): it is audited like any refusal.
		authErr = waitErr
	}
	if authErr != nil {
		// Refused requests are audited too: an investigator needs to see
		// who tried what.
		if !entry.Unaudited {
			rec := s.audit.request(req, path, r.RemoteAddr)
			_, msgs := framework.StatusOf(authErr)
			if err := s.appendAudit(ctx, auditEvent(auditevent.EventRequest, rec), auditEvent(auditevent.EventResponse, s.audit.response(rec, nil, strings.Join(msgs, "; ")))); err != nil {
				s.auditFailed(w, err)
				return
			}
		}
		s.fail(w, authErr)
		return
	}
	audited := !entry.Unaudited
	var reqRec auditevent.Record
	if audited {
		reqRec = s.audit.request(req, path, r.RemoteAddr)
	}
	if audited && s.cfg.Deps.Bus != nil {
		// One request, one commit: the request record rides in the
		// request's first ledger message (commands/audit.go).
		ctx = commands.WithAudit(ctx, auditEvent(auditevent.EventRequest, reqRec))
		req.Ctx = ctx
		defer s.cfg.Deps.Bus.CloseAudit(ctx)
	}
	var resp *framework.Response
	var herr error
	if rootHelp {
		resp = framework.BackendHelp(rt.mount.Path, rt.backend)
	} else {
		resp, herr = framework.Handle(entry, req)
	}
	if herr == nil {
		resp, herr = s.complete(ctx, req, resp)
	}
	if herr == nil {
		resp, herr = s.wrap(ctx, req, path, rt.mount.Type, resp)
	}
	if audited {
		errMsg := ""
		if herr != nil {
			_, msgs := framework.StatusOf(herr)
			errMsg = strings.Join(msgs, "; ")
		}
		events := []ledger.Event{auditEvent(auditevent.EventResponse, s.audit.response(reqRec, resp, errMsg))}
		if s.cfg.Deps.Bus == nil {
			events = append([]ledger.Event{auditEvent(auditevent.EventRequest, reqRec)}, events...)
		}
		if err := s.appendAudit(ctx, events...); err != nil {
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

// appendAudit is the one place audit records reach the ledger: no record,
// no response.
func (s *Server) appendAudit(ctx context.Context, events ...ledger.Event) error {
	if s.cfg.Audit == nil {
		return ledger.ErrSealed
	}
	_, err := s.cfg.Audit.Append(ctx, events...)
	return err
}

func headOnly(resp *framework.Response) *framework.Response {
	if resp == nil {
		return nil
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	// The headers stay: a HEAD is asked for them (ACME's new-nonce
	// answers in Replay-Nonce).
	return &framework.Response{StatusCode: status, Raw: []byte{}, RawContentType: resp.RawContentType, Headers: resp.Headers}
}

// ledgerUnavailable names a write the ledger could not take for now (a
// failover, a full or failing disk): a 503 with the sentinel's text,
// which names no path, key or secret.
func ledgerUnavailable(err error) (string, bool) {
	for _, cause := range []error{ledger.ErrWriterUnavailable, ledger.ErrOutcomeUnknown, ledger.ErrStorageFull, ledger.ErrStorageFailed} {
		if errors.Is(err, cause) {
			return cause.Error(), true
		}
	}
	return "", false
}

// auditFailed answers a request whose audit record could not be
// appended: 503 at once, and nothing of the response.
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
