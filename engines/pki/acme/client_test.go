package acme

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	xacme "golang.org/x/crypto/acme"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestClientGetsCertificate is the whole RFC 8555 flow with
// golang.org/x/crypto/acme as the client: account, order, http-01 against
// the loopback responder, finalize, download, and the chain verifies to
// the CA's root.
func TestClientGetsCertificate(t *testing.T) {
	h := newHarness(t)
	ctx := testCtx(t)
	c := h.client(ctx)

	names := []string{"app.internal.example.com", "www.internal.example.com"}
	o, err := c.AuthorizeOrder(ctx, xacme.DomainIDs(names...))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != xacme.StatusPending || len(o.AuthzURLs) != 2 || o.FinalizeURL == "" || o.URI == "" {
		t.Fatalf("order %+v", o)
	}
	if _, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csrFor(t, names...), true); problemType(err) != "urn:ietf:params:acme:error:orderNotReady" {
		t.Fatalf("finalize before validation: %v", err)
	}
	if err := h.solve(ctx, c, o, false); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !h.responder.sawHost(n) {
			t.Fatalf("the validator never asked the responder for host %s", n)
		}
	}
	o, err = c.WaitOrder(ctx, o.URI)
	if err != nil || o.Status != xacme.StatusReady {
		t.Fatalf("order after validation: %+v %v", o, err)
	}

	// A CSR for other names than the order's is refused.
	if _, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csrFor(t, "app.internal.example.com"), true); problemType(err) != "urn:ietf:params:acme:error:badCSR" {
		t.Fatalf("mismatched CSR: %v", err)
	}

	chain, certURL, err := c.CreateOrderCert(ctx, o.FinalizeURL, csrFor(t, names...), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || certURL == "" {
		t.Fatalf("chain of %d, cert URL %q", len(chain), certURL)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(chain[1])
	if err != nil || !inter.Equal(h.inter) {
		t.Fatalf("second certificate is not the intermediate: %v", err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(h.root)
	inters.AddCert(inter)
	for _, n := range names {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, DNSName: n}); err != nil {
			t.Fatalf("verify %s: %v", n, err)
		}
	}
	if got := slices.Sorted(slices.Values(leaf.DNSNames)); !slices.Equal(got, names) {
		t.Fatalf("leaf names %v", got)
	}
	again, err := c.FetchCert(ctx, certURL, false)
	if err != nil || len(again) != 1 || !slices.Equal(again[0], chain[0]) {
		t.Fatalf("fetch cert: %v", err)
	}
	o, err = c.GetOrder(ctx, o.URI)
	if err != nil || o.Status != xacme.StatusValid || o.CertURL != certURL {
		t.Fatalf("order after finalize: %+v %v", o, err)
	}

	// The same key registers to the same account.
	acct, err := c.GetReg(ctx, "")
	if err != nil || acct.Status != xacme.StatusValid || !strings.Contains(acct.URI, "/v1/pki/acme/account/") {
		t.Fatalf("account: %+v %v", acct, err)
	}
}

func TestWrongKeyAuthorizationFails(t *testing.T) {
	h := newHarness(t)
	ctx := testCtx(t)
	c := h.client(ctx)
	o, err := c.AuthorizeOrder(ctx, xacme.DomainIDs("app.internal.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	err = h.solve(ctx, c, o, true)
	if got := problemType(err); got != "urn:ietf:params:acme:error:incorrectResponse" {
		t.Fatalf("wrong key authorization: %v (%s)", err, got)
	}
	o, err = c.GetOrder(ctx, o.URI)
	if err != nil || o.Status != xacme.StatusInvalid {
		t.Fatalf("order: %+v %v", o, err)
	}
	if _, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csrFor(t, "app.internal.example.com"), true); problemType(err) != "urn:ietf:params:acme:error:orderNotReady" {
		t.Fatalf("finalize of an invalid order: %v", err)
	}
}

func TestUnreachableResponderFails(t *testing.T) {
	h := newHarness(t)
	ctx := testCtx(t)
	c := h.client(ctx)
	o, err := c.AuthorizeOrder(ctx, xacme.DomainIDs("app.internal.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.GetAuthorization(ctx, o.AuthzURLs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Nothing is published for the token: the responder answers 404.
	if _, err := c.Accept(ctx, a.Challenges[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitAuthorization(ctx, o.AuthzURLs[0]); problemType(err) != "urn:ietf:params:acme:error:incorrectResponse" {
		t.Fatalf("404 from responder: %v", err)
	}
}

func TestOrderIdentifierPolicy(t *testing.T) {
	h := newHarness(t)
	ctx := testCtx(t)
	c := h.client(ctx)
	for _, c2 := range []struct {
		ids  []xacme.AuthzID
		want string
	}{
		{xacme.DomainIDs("evil.com"), "urn:ietf:params:acme:error:rejectedIdentifier"},
		{xacme.DomainIDs("*.internal.example.com"), "urn:ietf:params:acme:error:rejectedIdentifier"},
		{xacme.IPIDs("127.0.0.1"), "urn:ietf:params:acme:error:unsupportedIdentifier"},
	} {
		_, err := c.AuthorizeOrder(ctx, c2.ids)
		if problemType(err) != c2.want {
			t.Errorf("%v: %v, want %s", c2.ids, err, c2.want)
		}
	}
	_, err := c.AuthorizeOrder(ctx, xacme.DomainIDs("evil.com"))
	if err == nil || !strings.Contains(err.Error(), "subject alternate name evil.com not allowed by this role") {
		t.Fatalf("the role's message must reach the client: %v", err)
	}
}

func TestAccountsAreIsolated(t *testing.T) {
	h := newHarness(t)
	ctx := testCtx(t)
	alice, mallory := h.client(ctx), h.client(ctx)
	o, err := alice.AuthorizeOrder(ctx, xacme.DomainIDs("app.internal.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.GetAuthorization(ctx, o.AuthzURLs[0]); problemType(err) != "urn:ietf:params:acme:error:unauthorized" {
		t.Fatalf("foreign authorization read: %v", err)
	}
	if _, err := mallory.GetOrder(ctx, o.URI); problemType(err) != "urn:ietf:params:acme:error:unauthorized" {
		t.Fatalf("foreign order read: %v", err)
	}
	// Deactivated accounts can no longer act.
	if err := mallory.DeactivateReg(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.AuthorizeOrder(ctx, xacme.DomainIDs("app.internal.example.com")); problemType(err) != "urn:ietf:params:acme:error:unauthorized" {
		t.Fatalf("deactivated account: %v", err)
	}
}
