package testk8s

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func client(t *testing.T, srv *Server) *http.Client {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(srv.CACertPEM())) {
		t.Fatal("CA PEM")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
}

func post(t *testing.T, c *http.Client, srv *Server, bearer string, spec authv1.TokenReviewSpec) (int, authv1.TokenReview, metav1.Status) {
	t.Helper()
	body, _ := json.Marshal(authv1.TokenReview{Spec: spec})
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/apis/authentication.k8s.io/v1/tokenreviews", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	var tr authv1.TokenReview
	var st metav1.Status
	_ = json.Unmarshal(raw, &tr)
	_ = json.Unmarshal(raw, &st)
	return resp.StatusCode, tr, st
}

func TestTokenReviewWire(t *testing.T) {
	srv := Start(t)
	signer := NewRSASigner(t)
	srv.Trust(signer)
	web := srv.AddServiceAccount("apps", "web")
	reviewer := srv.AddServiceAccount("coffer", "reviewer")
	srv.GrantTokenReview(reviewer)
	c := client(t, srv)
	reviewerJWT := signer.MustSign(t, srv.Claims(reviewer))

	code, tr, _ := post(t, c, srv, reviewerJWT, authv1.TokenReviewSpec{Token: signer.MustSign(t, srv.Claims(web))})
	if code != http.StatusCreated || !tr.Status.Authenticated || tr.Status.User.Username != "system:serviceaccount:apps:web" ||
		tr.Status.User.UID != web.UID || tr.Kind != "TokenReview" || len(tr.Status.User.Extra["authentication.kubernetes.io/pod-name"]) != 1 {
		t.Fatalf("valid token: %d %+v", code, tr)
	}

	// Legacy token, ES256 signer.
	es := NewECDSASigner(t)
	srv.Trust(es)
	code, tr, _ = post(t, c, srv, reviewerJWT, authv1.TokenReviewSpec{Token: es.MustSign(t, srv.LegacyClaims(web))})
	if code != http.StatusCreated || !tr.Status.Authenticated {
		t.Fatalf("legacy token: %d %+v", code, tr.Status)
	}

	refused := map[string]string{
		"expired":  signer.MustSign(t, func() Claims { c := srv.Claims(web); c.IssuedAt = time.Now().Add(-2 * time.Hour); return c }()),
		"audience": signer.MustSign(t, func() Claims { c := srv.Claims(web); c.Audience = []string{"vault"}; return c }()),
		"unsigned": Unsigned(srv.Claims(web)),
		"stranger": NewRSASigner(t).MustSign(t, srv.Claims(web)),
		"issuer":   signer.MustSign(t, func() Claims { c := srv.Claims(web); c.Issuer = "https://elsewhere"; return c }()),
	}
	for name, tok := range refused {
		code, tr, _ := post(t, c, srv, reviewerJWT, authv1.TokenReviewSpec{Token: tok})
		if code != http.StatusCreated || tr.Status.Authenticated || !strings.HasPrefix(tr.Status.Error, "[invalid bearer token, ") {
			t.Errorf("%s: %d %+v", name, code, tr.Status)
		}
	}
	// Spec audiences narrow the check and are echoed.
	tok := signer.MustSign(t, func() Claims { c := srv.Claims(web); c.Audience = []string{"vault", "x"}; return c }())
	code, tr, _ = post(t, c, srv, reviewerJWT, authv1.TokenReviewSpec{Token: tok, Audiences: []string{"vault"}})
	if code != http.StatusCreated || !tr.Status.Authenticated || len(tr.Status.Audiences) != 1 || tr.Status.Audiences[0] != "vault" {
		t.Fatalf("audiences: %+v", tr.Status)
	}

	// Deleting the account invalidates its tokens.
	webTok := signer.MustSign(t, srv.Claims(web))
	srv.DeleteServiceAccount("apps", "web")
	if _, tr, _ := post(t, c, srv, reviewerJWT, authv1.TokenReviewSpec{Token: webTok}); tr.Status.Authenticated {
		t.Fatal("deleted account still authenticated")
	}

	// The caller must authenticate (401) and be allowed (403).
	code, _, st := post(t, c, srv, "garbage", authv1.TokenReviewSpec{Token: webTok})
	if code != http.StatusUnauthorized || st.Reason != metav1.StatusReasonUnauthorized || st.Kind != "Status" {
		t.Fatalf("bad bearer: %d %+v", code, st)
	}
	other := srv.AddServiceAccount("apps", "other")
	code, _, st = post(t, c, srv, signer.MustSign(t, srv.Claims(other)), authv1.TokenReviewSpec{Token: webTok})
	if code != http.StatusForbidden || st.Reason != metav1.StatusReasonForbidden || !strings.Contains(st.Message, `cannot create resource "tokenreviews"`) {
		t.Fatalf("unprivileged bearer: %d %+v", code, st)
	}
	srv.AllowBearer("static-reviewer")
	if code, _, _ := post(t, c, srv, "static-reviewer", authv1.TokenReviewSpec{Token: webTok}); code != http.StatusCreated {
		t.Fatalf("static bearer: %d", code)
	}

	// The hook overrides the answer; Reviews records what was asked.
	srv.OnReview(func(authv1.TokenReviewSpec) *authv1.TokenReviewStatus {
		return &authv1.TokenReviewStatus{Authenticated: false}
	})
	if _, tr, _ := post(t, c, srv, reviewerJWT, authv1.TokenReviewSpec{Token: signer.MustSign(t, srv.Claims(reviewer))}); tr.Status.Authenticated {
		t.Fatal("hook ignored")
	}
	rs := srv.Reviews()
	if len(rs) < 10 || rs[0].Bearer != reviewerJWT {
		t.Fatalf("reviews recorded: %d", len(rs))
	}
}

func TestServiceAccountGet(t *testing.T) {
	srv := Start(t)
	signer := NewECDSASigner(t)
	srv.Trust(signer)
	sa := srv.AddServiceAccount("apps", "web")
	sa.Annotations = map[string]string{"vault.hashicorp.com/alias-metadata-team": "blue"}
	srv.PutServiceAccount(sa)
	srv.GrantTokenReview(sa)
	c := client(t, srv)
	get := func(path string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+signer.MustSign(t, srv.Claims(sa)))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return resp.StatusCode, buf.Bytes()
	}
	code, body := get("/api/v1/namespaces/apps/serviceaccounts/web")
	var got corev1.ServiceAccount
	if err := json.Unmarshal(body, &got); err != nil || code != 200 || got.Annotations["vault.hashicorp.com/alias-metadata-team"] != "blue" || string(got.UID) != sa.UID {
		t.Fatalf("%d %s", code, body)
	}
	if code, _ := get("/api/v1/namespaces/apps/serviceaccounts/nope"); code != http.StatusNotFound {
		t.Fatalf("missing account: %d", code)
	}
}

func TestUnreachableURL(t *testing.T) {
	u := UnreachableURL(t)
	_, err := (&http.Client{Timeout: 5 * time.Second}).Get(u)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("expected connection refused, got %v", err)
	}
}
