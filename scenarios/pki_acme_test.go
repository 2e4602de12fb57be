package scenarios_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
	xacme "golang.org/x/crypto/acme"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// http01Proxy answers http-01 validations for any host. The server under
// test reaches it as its HTTP_PROXY, so a validation of
// http://app.internal.example.com/.well-known/acme-challenge/<token>
// arrives here in absolute form, as it would at a forward proxy, and no
// name needs to resolve.
type http01Proxy struct {
	mu    sync.Mutex
	keys  map[string]string // path -> key authorization
	hosts map[string]bool
}

func (p *http01Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hosts[r.Host] = true
	ka, ok := p.keys[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(ka))
}

// TestPKIACMEThroughGateway runs RFC 8555 end to end through the coffer
// binary with golang.org/x/crypto/acme: HEAD new-nonce answers with a
// Replay-Nonce, then account, order, http-01 validated over loopback,
// finalize and download; the chain verifies to the root, and the
// certificate is listed like any other.
func TestPKIACMEThroughGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the coffer binary")
	}
	t.Parallel()
	proxy := &http01Proxy{keys: map[string]string{}, hosts: map[string]bool{}}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	s := harness.Start(t, harness.Options{Env: []string{"HTTP_PROXY=" + ps.URL, "http_proxy=" + ps.URL, "NO_PROXY=", "no_proxy="}})
	c := s.Client(t)
	ctx := t.Context()
	require.NoError(t, c.Sys().MountWithContext(ctx, "pki", &vault.MountInput{Type: "pki", Config: vault.MountConfigInput{MaxLeaseTTL: "87600h"}}))
	w := func(path string, data map[string]any) *vault.Secret {
		t.Helper()
		sec, err := c.Logical().WriteWithContext(ctx, path, data)
		require.NoError(t, err, path)
		return sec
	}
	rootPEM := w("pki/root/generate/internal", map[string]any{"common_name": "ACME Root", "ttl": "8760h", "key_type": "ec"}).Data["certificate"].(string)
	w("pki/roles/acme", map[string]any{"allowed_domains": "internal.example.com", "allow_subdomains": true, "max_ttl": "24h", "key_type": "any"})
	w("pki/config/cluster", map[string]any{"path": s.Addr + "/v1/pki"})
	w("pki/config/acme", map[string]any{"enabled": true, "default_directory_policy": "role:acme"})

	// HEAD new-nonce, as every ACME client starts (RFC 8555 7.2).
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, s.Addr+"/v1/pki/acme/new-nonce", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Replay-Nonce"), "HEAD new-nonce answers with a nonce")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ac := &xacme.Client{Key: key, DirectoryURL: s.Addr + "/v1/pki/acme/directory"}
	_, err = ac.Register(ctx, &xacme.Account{}, xacme.AcceptTOS)
	require.NoError(t, err)

	_, err = ac.AuthorizeOrder(ctx, xacme.DomainIDs("www.evil.com"))
	require.Error(t, err, "the role's domains bound the identifiers")

	names := []string{"app.internal.example.com", "www.internal.example.com"}
	o, err := ac.AuthorizeOrder(ctx, xacme.DomainIDs(names...))
	require.NoError(t, err)
	for _, u := range o.AuthzURLs {
		a, err := ac.GetAuthorization(ctx, u)
		require.NoError(t, err)
		var accepted bool
		for _, ch := range a.Challenges {
			if ch.Type != "http-01" {
				continue
			}
			ka, err := ac.HTTP01ChallengeResponse(ch.Token)
			require.NoError(t, err)
			proxy.mu.Lock()
			proxy.keys[ac.HTTP01ChallengePath(ch.Token)] = ka
			proxy.mu.Unlock()
			_, err = ac.Accept(ctx, ch)
			require.NoError(t, err)
			accepted = true
		}
		require.True(t, accepted, "authorization %s offers http-01", u)
		_, err = ac.WaitAuthorization(ctx, u)
		require.NoError(t, err)
	}
	proxy.mu.Lock()
	for _, n := range names {
		require.True(t, proxy.hosts[n], "the server validated %s over http-01", n)
	}
	proxy.mu.Unlock()
	o, err = ac.WaitOrder(ctx, o.URI)
	require.NoError(t, err)
	require.Equal(t, xacme.StatusReady, o.Status)

	ck, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, ck)
	require.NoError(t, err)
	chain, certURL, err := ac.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	require.NoError(t, err)
	require.NotEmpty(t, certURL)
	leaf, err := x509.ParseCertificate(chain[0])
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(rootOrIssuer(t, rootPEM))
	for _, n := range names {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: n, CurrentTime: time.Now()})
		require.NoError(t, err, n)
	}
	again, err := ac.FetchCert(ctx, certURL, true)
	require.NoError(t, err, "the certificate URL serves the chain")
	require.Equal(t, chain[0], again[0])

	sec, err := c.Logical().ListWithContext(ctx, "pki/certs")
	require.NoError(t, err)
	var listed []string
	for _, k := range sec.Data["keys"].([]any) {
		listed = append(listed, normSerial(k.(string)))
	}
	hex := leaf.SerialNumber.Text(16)
	if len(hex)%2 == 1 {
		hex = "0" + hex
	}
	var parts []string
	for i := 0; i < len(hex); i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	require.Contains(t, listed, strings.Join(parts, ":"), "the ACME certificate is stored and listed")
}
