package acme

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Request is one HTTP request to the ACME server, its path relative to
// the ACME base ("new-order", "order/<id>/finalize").
type Request struct {
	Method      string
	Path        string
	ContentType string
	Body        []byte
}

// Response is the server's answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Validator validates a challenge for a domain (HTTP01 is one).
type Validator interface {
	Validate(ctx context.Context, domain, token, keyAuth string) *Problem
}

// IssueFunc signs a finalized order's CSR and returns the PEM chain
// (leaf first). A *Problem error is sent to the client as it is (use
// BadCSR or RejectedIdentifier for policy refusals); any other error is a
// serverInternal problem.
type IssueFunc func(ctx context.Context, csr *x509.CertificateRequest, order *Order) ([]byte, error)

// BadCSR is a badCSR problem, for IssueFunc refusals.
func BadCSR(detail string) *Problem { return errBadCSR(detail) }

// RejectedIdentifier is a rejectedIdentifier problem, for identifier
// policies.
func RejectedIdentifier(detail string) *Problem { return errRejectedIdentifier(detail) }

// Server is the ACME protocol core.
type Server struct {
	// BaseURL is the absolute URL below which the ACME paths live
	// ("https://vault.example.com:8200/v1/pki/acme"); every URL the
	// server hands out and every JWS url header is checked against it.
	BaseURL   string
	Store     Store
	Nonces    *Nonces
	Validator Validator
	Issue     IssueFunc
	// AllowIdentifier is the engine's policy for order identifiers (a
	// role's allowed domains); nil allows every DNS name. An error is
	// sent as rejectedIdentifier unless it is a *Problem.
	AllowIdentifier func(Identifier) error
	Now             func() time.Time
	// OrderLifetime and AuthzLifetime bound pending work (24h each when
	// zero).
	OrderLifetime time.Duration
	AuthzLifetime time.Duration
}

// maxBody bounds an ACME request body.
const maxBody = 64 << 10

// ServeHTTP serves the ACME paths below BaseURL's path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := basePath(s.BaseURL) + "/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	resp := s.Handle(r.Context(), Request{
		Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, prefix),
		ContentType: r.Header.Get("Content-Type"), Body: body,
	})
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.Body)
	}
}

func basePath(base string) string {
	rest := base
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		return strings.TrimSuffix(rest[i:], "/")
	}
	return ""
}

func (s *Server) url(parts ...string) string {
	return strings.TrimSuffix(s.BaseURL, "/") + "/" + strings.Join(parts, "/")
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handle answers one request.
func (s *Server) Handle(ctx context.Context, req Request) Response {
	resp := s.route(ctx, req)
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	resp.Header.Set("Replay-Nonce", s.Nonces.New())
	resp.Header.Set("Cache-Control", "no-store")
	resp.Header.Add("Link", `<`+s.url("directory")+`>;rel="index"`)
	return resp
}

func (s *Server) route(ctx context.Context, req Request) Response {
	segs := strings.Split(strings.Trim(req.Path, "/"), "/")
	switch {
	case req.Path == "directory":
		if req.Method != http.MethodGet {
			return methodNotAllowed()
		}
		return s.directory()
	case req.Path == "new-nonce":
		switch req.Method {
		case http.MethodHead:
			return Response{Status: http.StatusOK}
		case http.MethodGet:
			return Response{Status: http.StatusNoContent}
		}
		return methodNotAllowed()
	}
	if req.Method != http.MethodPost {
		return methodNotAllowed()
	}
	if ct := strings.TrimSpace(strings.Split(req.ContentType, ";")[0]); ct != "application/jose+json" {
		p := errMalformed("Content-Type must be application/jose+json")
		p.Status = http.StatusUnsupportedMediaType
		return problemResponse(p)
	}
	in, acct, p := s.authenticate(req)
	if p != nil {
		return problemResponse(p)
	}
	switch {
	case req.Path == "new-account":
		return s.newAccount(in)
	case req.Path == "new-order":
		return s.newOrder(acct, in)
	case len(segs) == 2 && segs[0] == "account":
		return s.account(acct, segs[1], in)
	case len(segs) == 2 && segs[0] == "authz":
		return s.authz(acct, segs[1], in)
	case len(segs) == 3 && segs[0] == "chall":
		return s.challenge(ctx, acct, segs[1], segs[2], in)
	case len(segs) == 2 && segs[0] == "order":
		return s.order(acct, segs[1], in)
	case len(segs) == 3 && segs[0] == "order" && segs[2] == "finalize":
		return s.finalize(ctx, acct, segs[1], in)
	case len(segs) == 3 && segs[0] == "order" && segs[2] == "cert":
		return s.cert(acct, segs[1], in)
	}
	return problemResponse(errNotFound())
}

func methodNotAllowed() Response {
	p := errMalformed("method not allowed")
	p.Status = http.StatusMethodNotAllowed
	return problemResponse(p)
}

// authenticate checks a POST's JWS: structure, nonce, url, key (jwk only
// for new-account, kid of a valid account otherwise) and signature.
func (s *Server) authenticate(req Request) (*parsedJWS, *Account, *Problem) {
	in, p := parseJWS(req.Body)
	if p != nil {
		return nil, nil, p
	}
	if !s.Nonces.Redeem(in.header.Nonce) {
		return nil, nil, errBadNonce("the nonce is unknown, used or expired")
	}
	if in.header.URL != s.url(req.Path) {
		return nil, nil, errUnauthorized("the JWS url header does not match the request URL")
	}
	if req.Path == "new-account" {
		if in.jwk == nil {
			return nil, nil, errMalformed("new-account requests must carry a jwk")
		}
		pub, err := in.jwk.PublicKey()
		if err != nil {
			return nil, nil, errBadSignatureAlgorithm(err.Error())
		}
		if p := in.verify(pub); p != nil {
			return nil, nil, p
		}
		return in, nil, nil
	}
	if in.jwk != nil {
		return nil, nil, errMalformed("requests other than new-account must carry a kid")
	}
	id, ok := strings.CutPrefix(in.header.KID, s.url("account")+"/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil, nil, errAccountDoesNotExist("the kid is not an account of this server")
	}
	acct, err := s.Store.Account(id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, errAccountDoesNotExist("the kid is not an account of this server")
	}
	if err != nil {
		return nil, nil, errServerInternal("cannot read the account")
	}
	pub, err := acct.Key.PublicKey()
	if err != nil {
		return nil, nil, errServerInternal("stored account key is unreadable")
	}
	if p := in.verify(pub); p != nil {
		return nil, nil, p
	}
	if acct.Status != StatusValid {
		return nil, nil, errUnauthorized("the account is " + acct.Status)
	}
	return in, acct, nil
}

func problemResponse(p *Problem) Response {
	return Response{Status: p.Status, Header: http.Header{"Content-Type": {"application/problem+json"}}, Body: p.body()}
}

func jsonResponse(status int, v any, location string) Response {
	b, err := json.Marshal(v)
	if err != nil {
		return problemResponse(errServerInternal("cannot encode the response"))
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if location != "" {
		h.Set("Location", location)
	}
	return Response{Status: status, Header: h, Body: b}
}

func (s *Server) directory() Response {
	return jsonResponse(http.StatusOK, map[string]any{
		"newNonce":   s.url("new-nonce"),
		"newAccount": s.url("new-account"),
		"newOrder":   s.url("new-order"),
		"revokeCert": s.url("revoke-cert"),
		"keyChange":  s.url("key-change"),
		"meta":       map[string]any{"externalAccountRequired": false},
	}, "")
}

// postAsGet reports whether the payload is empty (RFC 8555 6.3).
func postAsGet(in *parsedJWS) bool { return len(in.payload) == 0 }
