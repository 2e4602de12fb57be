package acme

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	xacme "golang.org/x/crypto/acme"

	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
)

// harness is an ACME server backed by a real CA (certs + policy, the
// tutorial's role) on a 127.0.0.1 httptest server, and a loopback http-01
// responder the validator reaches whatever domain it is asked for.
type harness struct {
	t         *testing.T
	srv       *Server
	acmeURL   string // directory URL
	root      *x509.Certificate
	inter     *x509.Certificate
	responder *responder
}

// responder serves key authorizations at /.well-known/acme-challenge/,
// recording the Host each request named.
type responder struct {
	mu    sync.Mutex
	keys  map[string]string // path -> body
	hosts []string
}

func (r *responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts = append(r.hosts, req.Host)
	body, ok := r.keys[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	_, _ = w.Write([]byte(body))
}

func (r *responder) set(path, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[path] = body
}

func (r *responder) sawHost(h string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.hosts {
		if x == h {
			return true
		}
	}
	return false
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	now := time.Now()
	rootKey, _ := certs.GenerateKey(rand.Reader, "ec", 256)
	root, err := certs.SelfSign(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: "Internal Root CA"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(48 * time.Hour), MaxPathLength: -1}, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	intKey, _ := certs.GenerateKey(rand.Reader, "ec", 256)
	csr, _ := certs.CreateCSR(rand.Reader, certs.Params{Subject: pkix.Name{CommonName: "Internal Intermediate CA"}}, intKey, false)
	inter, err := certs.SignCSR(rand.Reader, certs.Params{Subject: csr.Subject, NotBefore: now.Add(-time.Minute),
		NotAfter: now.Add(24 * time.Hour), IsCA: true, MaxPathLength: -1}, csr, &certs.Issuer{Cert: root.Cert, Signer: rootKey.Signer}, false)
	if err != nil {
		t.Fatal(err)
	}
	issuer := &certs.Issuer{Cert: inter.Cert, Signer: intKey.Signer, Chain: []*x509.Certificate{root.Cert}}

	role := policy.DefaultRole()
	role.AllowedDomains = []string{"internal.example.com"}
	role.AllowSubdomains = true
	role.MaxTTL = 24 * time.Hour
	role.KeyType = "any"
	if role, err = role.Normalize(); err != nil {
		t.Fatal(err)
	}

	resp := &responder{keys: map[string]string{}}
	respSrv := httptest.NewServer(resp)
	t.Cleanup(respSrv.Close)
	respAddr := respSrv.Listener.Addr().String()
	validator := HTTP01{
		Timeout: 5 * time.Second,
		Client: &http.Client{Transport: &http.Transport{
			// Every domain resolves to the loopback responder.
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, respAddr)
			},
		}},
	}

	h := &harness{t: t, root: root.Cert, inter: inter.Cert, responder: resp}
	h.srv = &Server{
		Store:     NewMemStore(),
		Nonces:    NewNonces(time.Hour, 1000, time.Now),
		Validator: validator,
		AllowIdentifier: func(id Identifier) error {
			return role.CheckName(id.Value)
		},
		Issue: func(_ context.Context, csr *x509.CertificateRequest, _ *Order) ([]byte, error) {
			d, err := policy.DecideSign(role, policy.Request{CSR: certs.CSRPEM(csr), TTL: time.Hour},
				policy.Limits{Now: time.Now(), DefaultTTL: 768 * time.Hour, MaxTTL: 43800 * time.Hour, Issuer: issuer.Cert})
			if certs.IsRefusal(err) {
				return nil, BadCSR(err.Error())
			}
			if err != nil {
				return nil, err
			}
			is, err := certs.SignCSR(rand.Reader, d.Params, d.CSR, issuer, false)
			if err != nil {
				return nil, err
			}
			return []byte(certs.CertPEM(is.Cert) + "\n" + certs.CertPEM(issuer.Cert) + "\n"), nil
		},
	}
	ts := httptest.NewServer(h.srv)
	t.Cleanup(ts.Close)
	h.srv.BaseURL = ts.URL + "/v1/pki/acme"
	h.acmeURL = h.srv.BaseURL + "/directory"
	return h
}

// client is an x/crypto/acme client with a fresh P-256 account key,
// registered.
func (h *harness) client(ctx context.Context) *xacme.Client {
	h.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &xacme.Client{Key: key, DirectoryURL: h.acmeURL}
	if _, err := c.Register(ctx, &xacme.Account{Contact: []string{"mailto:ops@internal.example.com"}}, xacme.AcceptTOS); err != nil {
		h.t.Fatalf("register: %v", err)
	}
	return c
}

// solve answers every http-01 challenge of an order's authorizations with
// keyAuth (the right one when wrong is false) and waits for each.
func (h *harness) solve(ctx context.Context, c *xacme.Client, o *xacme.Order, wrong bool) error {
	h.t.Helper()
	for _, u := range o.AuthzURLs {
		a, err := c.GetAuthorization(ctx, u)
		if err != nil {
			h.t.Fatal(err)
		}
		var chal *xacme.Challenge
		for _, ch := range a.Challenges {
			if ch.Type == "http-01" {
				chal = ch
			}
		}
		if chal == nil {
			h.t.Fatalf("no http-01 challenge in %+v", a)
		}
		keyAuth, err := c.HTTP01ChallengeResponse(chal.Token)
		if err != nil {
			h.t.Fatal(err)
		}
		if wrong {
			keyAuth = strings.Repeat("x", len(keyAuth))
		}
		h.responder.set(c.HTTP01ChallengePath(chal.Token), keyAuth)
		if _, err := c.Accept(ctx, chal); err != nil {
			h.t.Fatal(err)
		}
		if _, err := c.WaitAuthorization(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

func csrFor(t *testing.T, names ...string) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// problemType is the ACME error type of a client error, or "".
func problemType(err error) string {
	var e *xacme.Error
	if errors.As(err, &e) {
		return e.ProblemType
	}
	var ae *xacme.AuthorizationError
	if errors.As(err, &ae) && len(ae.Errors) > 0 {
		return problemType(ae.Errors[0])
	}
	return ""
}
