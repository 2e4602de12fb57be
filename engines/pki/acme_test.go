package pki

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	xacme "golang.org/x/crypto/acme"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/acme"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/internal/testkit"
)

// mountHTTP serves a mount's acme/ paths over HTTP the way the gateway
// routes them: a JSON body is parsed into the request's data, GET and
// HEAD are reads, POST an update.
func mountHTTP(t *testing.T, m *testkit.Mount) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/v1/"+m.Path)
		op, data := framework.ReadOperation, map[string]any{}
		if r.Method == http.MethodPost {
			op = framework.UpdateOperation
			body, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(body, &data); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
		}
		resp, err := m.Call(t, op, rel, data, testkit.WithContentType(r.Header.Get("Content-Type")))
		if err != nil {
			status, msgs := framework.StatusOf(err)
			http.Error(w, strings.Join(msgs, "; "), status)
			return
		}
		for k, vs := range resp.Headers {
			w.Header()[k] = vs
		}
		if resp.RawContentType != "" {
			w.Header().Set("Content-Type", resp.RawContentType)
		}
		status := resp.StatusCode
		if status == 0 {
			status = 200
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(resp.Raw)
		}
	}))
}

// challengeResponder starts a loopback http-01 responder and points the
// mount's ACME validator at it, whatever host a challenge names.
func (e *env) challengeResponder(t *testing.T, mount string) *challengeResponder {
	t.Helper()
	resp := &challengeResponder{keys: map[string]string{}}
	rs := httptest.NewServer(resp)
	t.Cleanup(rs.Close)
	e.backends[mount].acmeValidator = acme.HTTP01{Timeout: 5 * time.Second, Client: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, rs.Listener.Addr().String())
		},
	}}}
	return resp
}

type challengeResponder struct {
	mu   sync.Mutex
	keys map[string]string
}

func (c *challengeResponder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	body, ok := c.keys[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(body))
}

// TestACMEClientGetsCertificate: golang.org/x/crypto/acme registers,
// orders, answers http-01 from a loopback responder, finalizes and gets
// a chain from the intermediate of the tutorial; every ACME object and
// the issuance are events.
func TestACMEClientGetsCertificate(t *testing.T) {
	e := newEnv(t)
	_, intM, rootPEM, _ := e.tutorial()
	srv := mountHTTP(t, intM)
	t.Cleanup(srv.Close)
	resp := e.challengeResponder(t, "pki_int")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	c := &xacme.Client{Key: key, DirectoryURL: srv.URL + "/v1/pki_int/acme/directory"}
	_, err = c.Register(ctx, &xacme.Account{}, xacme.AcceptTOS)
	require.Error(t, err, "ACME is off until config/acme enables it")

	e.write(intM, "config/cluster", map[string]any{"path": srv.URL + "/v1/pki_int"})
	e.write(intM, "config/acme", map[string]any{"enabled": true, "default_directory_policy": "role:myapp-service"})
	_, err = c.Register(ctx, &xacme.Account{}, xacme.AcceptTOS)
	require.NoError(t, err)

	_, err = c.AuthorizeOrder(ctx, xacme.DomainIDs("www.evil.com"))
	require.Error(t, err, "the role's domains bound the identifiers")

	names := []string{"app.internal.example.com"}
	o, err := c.AuthorizeOrder(ctx, xacme.DomainIDs(names...))
	require.NoError(t, err)
	for _, u := range o.AuthzURLs {
		a, err := c.GetAuthorization(ctx, u)
		require.NoError(t, err)
		for _, ch := range a.Challenges {
			if ch.Type != "http-01" {
				continue
			}
			ka, err := c.HTTP01ChallengeResponse(ch.Token)
			require.NoError(t, err)
			resp.mu.Lock()
			resp.keys[c.HTTP01ChallengePath(ch.Token)] = ka
			resp.mu.Unlock()
			_, err = c.Accept(ctx, ch)
			require.NoError(t, err)
		}
		_, err = c.WaitAuthorization(ctx, u)
		require.NoError(t, err)
	}
	ck, err := rsa.GenerateKey(rand.Reader, 2048) // the role's key_type
	require.NoError(t, err)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, ck)
	require.NoError(t, err)
	chain, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(chain), 2)
	leaf, err := x509.ParseCertificate(chain[0])
	require.NoError(t, err)
	inter, err := x509.ParseCertificate(chain[1])
	require.NoError(t, err)
	require.NoError(t, verifies(t, leaf, parsePEM(t, rootPEM), inter))
	require.Equal(t, names, leaf.DNSNames)

	kinds := map[string]bool{}
	for _, r := range e.pkiEvents() {
		if r.Type == pkievent.EventACMEObjectPut {
			var p pkievent.ACMEObjectPut
			require.NoError(t, json.Unmarshal(r.Data, &p))
			if p.Kind == "account" {
				writeFixture(t, r)
			}
			kinds[p.Kind] = true
		}
	}
	require.Equal(t, map[string]bool{"account": true, "order": true, "authz": true, "cert": true}, kinds)
	require.Contains(t, e.list(intM, "certs"), certs.FormatSerial(leaf.SerialNumber))
}
