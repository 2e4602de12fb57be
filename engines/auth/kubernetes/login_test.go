package kubernetes

import (
	"context"
	"errors"
	"github.com/cofferhq/coffer/events/kubernetesevent"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/internal/testk8s"
)

type fixture struct {
	srv         *testk8s.Server
	signer      *testk8s.Signer
	web         testk8s.ServiceAccount
	reviewerJWT string
	cfg         *Config
	role        *Role
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{srv: testk8s.Start(t), signer: testk8s.NewRSASigner(t)}
	f.srv.Trust(f.signer)
	f.web = f.srv.AddServiceAccount("apps", "web")
	reviewer := f.srv.AddServiceAccount("coffer", "token-reviewer")
	f.srv.GrantTokenReview(reviewer)
	f.reviewerJWT = f.signer.MustSign(t, f.srv.Claims(reviewer))
	f.cfg = &Config{Config: kubernetesevent.Config{Host: f.srv.URL(), CACert: f.srv.CACertPEM(), TokenReviewerJWT: f.reviewerJWT, DisableISSValidation: true, DisableLocalCAJWT: true}}
	f.role = &Role{
		BoundServiceAccountNames:      []string{"web"},
		BoundServiceAccountNamespaces: []string{"apps"},
		AliasNameSource:               AliasNameSourceUID,
	}
	f.role.Token.Policies = []string{"app-read"}
	f.role.Token.TTL = time.Hour
	return f
}

func (f *fixture) jwt(t *testing.T, mutate func(*testk8s.Claims)) string {
	c := f.srv.Claims(f.web)
	if mutate != nil {
		mutate(&c)
	}
	return f.signer.MustSign(t, c)
}

func (f *fixture) login(t *testing.T, jwt string) (*authkit.Auth, error) {
	t.Helper()
	if err := f.cfg.Prepare(); err != nil {
		t.Fatal(err)
	}
	cl, err := NewClient(f.cfg, ClientOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	return Login(context.Background(), f.cfg, f.role, cl, LoginRequest{Role: "app", JWT: jwt, RemoteAddr: "127.0.0.1:40000"}, time.Now())
}

// refused checks a login is refused with status and message, and that the
// JWT shows up nowhere in the error chain.
func refused(t *testing.T, err error, jwt string, status int, msg string) *authkit.Error {
	t.Helper()
	var ae *authkit.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want a refusal %d %q, got %v", status, msg, err)
	}
	if ae.Status != status || ae.Message != msg {
		t.Fatalf("got %d %q (cause %v), want %d %q", ae.Status, ae.Message, ae.Cause, status, msg)
	}
	for e := error(ae); e != nil; {
		if jwt != "" && strings.Contains(e.Error(), jwt) {
			t.Fatalf("the JWT leaked into an error: %v", e)
		}
		u, ok := e.(interface{ Unwrap() []error })
		if !ok {
			e = errors.Unwrap(e)
			continue
		}
		list := u.Unwrap()
		if len(list) == 0 {
			break
		}
		e = list[len(list)-1]
	}
	return ae
}

func TestLoginSucceeds(t *testing.T) {
	f := newFixture(t)
	jwt := f.jwt(t, nil)
	auth, err := f.login(t, jwt)
	if err != nil {
		t.Fatal(err)
	}
	wantMeta := map[string]string{
		"service_account_uid": f.web.UID, "service_account_name": "web", "service_account_namespace": "apps",
		"service_account_secret_name": "", "role": "app",
	}
	if !reflect.DeepEqual(auth.Metadata, wantMeta) {
		t.Fatalf("metadata %v", auth.Metadata)
	}
	if auth.Alias.Name != f.web.UID || auth.DisplayName != "apps-web" || auth.InternalData["role"] != "app" {
		t.Fatalf("alias/display: %+v", auth)
	}
	if !reflect.DeepEqual(auth.Policies, []string{"app-read"}) || auth.TTL != time.Hour || !auth.Renewable {
		t.Fatalf("token fields: %+v", auth)
	}
	rs := f.srv.Reviews()
	last := rs[len(rs)-1]
	if last.Bearer != f.reviewerJWT || last.Spec.Token != jwt || !reflect.DeepEqual(last.Spec.Audiences, []string{testk8s.DefaultIssuer}) {
		t.Fatalf("review asked: bearer-is-reviewer=%v audiences=%v", last.Bearer == f.reviewerJWT, last.Spec.Audiences)
	}
}

func TestLoginWithClientJWTAsBearer(t *testing.T) {
	f := newFixture(t)
	f.cfg.TokenReviewerJWT = ""
	f.srv.GrantTokenReview(f.web)
	jwt := f.jwt(t, nil)
	if _, err := f.login(t, jwt); err != nil {
		t.Fatal(err)
	}
	rs := f.srv.Reviews()
	if rs[len(rs)-1].Bearer != jwt {
		t.Fatal("without token_reviewer_jwt the client's JWT authenticates the review")
	}
	// The same without the review permission: the apiserver answers 403.
	other := f.srv.AddServiceAccount("apps", "web2")
	f.role.BoundServiceAccountNames = []string{"web*"}
	c := f.srv.Claims(other)
	_, err := f.login(t, f.signer.MustSign(t, c))
	ae := refused(t, err, "", http.StatusForbidden, "permission denied")
	if !errors.Is(ae, ErrReviewUnavailable) {
		t.Fatalf("a reviewer without permission is a config problem, not a verdict: %v", ae.Cause)
	}
}

func TestLoginRefusals(t *testing.T) {
	f := newFixture(t)
	other := f.srv.AddServiceAccount("other-ns", "web")
	stranger := f.srv.AddServiceAccount("apps", "batch")
	cases := []struct {
		name   string
		setup  func()
		jwt    func() string
		status int
		msg    string
		cause  string
	}{
		{name: "wrong namespace", jwt: func() string { return f.signer.MustSign(t, f.srv.Claims(other)) }, status: 403, msg: "namespace not authorized"},
		{name: "wrong name", jwt: func() string { return f.signer.MustSign(t, f.srv.Claims(stranger)) }, status: 403, msg: "service account name not authorized"},
		{name: "expired", jwt: func() string {
			return f.jwt(t, func(c *testk8s.Claims) { c.IssuedAt = time.Now().Add(-3 * time.Hour) })
		}, status: 403, msg: "invalid expiration time (exp) claim: token is expired"},
		{name: "not yet valid", jwt: func() string {
			return f.jwt(t, func(c *testk8s.Claims) { c.IssuedAt = time.Now().Add(time.Hour) })
		}, status: 403, msg: "invalid not before (nbf) claim: token not yet valid"},
		{name: "unsigned", jwt: func() string { return testk8s.Unsigned(f.srv.Claims(f.web)) }, status: 403, msg: "permission denied", cause: "error verifying token signature"},
		{name: "garbage", jwt: func() string { return "not-a-jwt" }, status: 403, msg: "permission denied", cause: "error verifying token signature"},
		{name: "review says not authenticated", setup: func() {
			f.srv.OnReview(func(authv1.TokenReviewSpec) *authv1.TokenReviewStatus { return &authv1.TokenReviewStatus{} })
		}, jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "lookup failed: service account jwt not valid"},
		{name: "review error", setup: func() {
			f.srv.OnReview(func(authv1.TokenReviewSpec) *authv1.TokenReviewStatus {
				return &authv1.TokenReviewStatus{Error: "[invalid bearer token, service account token has been invalidated]"}
			})
		}, jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "lookup failed: [invalid bearer token"},
		{name: "review answers another account", setup: func() {
			f.srv.OnReview(func(s authv1.TokenReviewSpec) *authv1.TokenReviewStatus {
				return &authv1.TokenReviewStatus{Authenticated: true, Audiences: s.Audiences, User: authv1.UserInfo{Username: "system:serviceaccount:apps:batch", UID: stranger.UID}}
			})
		}, jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "JWT names did not match"},
		{name: "review answers a user", setup: func() {
			f.srv.OnReview(func(s authv1.TokenReviewSpec) *authv1.TokenReviewStatus {
				return &authv1.TokenReviewStatus{Authenticated: true, Audiences: s.Audiences, User: authv1.UserInfo{Username: "system:node:n1:x"}}
			})
		}, jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "username returned is not a service account"},
		{name: "review for another audience", setup: func() {
			f.srv.OnReview(func(s authv1.TokenReviewSpec) *authv1.TokenReviewStatus {
				return &authv1.TokenReviewStatus{Authenticated: true, Audiences: []string{"elsewhere"}, User: authv1.UserInfo{Username: "system:serviceaccount:apps:web", UID: f.web.UID}}
			})
		}, jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "service account jwt valid for audience(s) [elsewhere]"},
		{name: "account deleted", setup: func() { f.srv.DeleteServiceAccount("apps", "web") },
			jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "has been deleted"},
		{name: "audience of role", setup: func() { f.role.Audience = "vault" },
			jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "invalid audience (aud) claim: audience claim does not match any expected audience"},
		{name: "bound cidrs", setup: func() { f.role.Token.BoundCIDRs = []string{"10.0.0.0/8"} },
			jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "permission denied", cause: "token_bound_cidrs"},
		{name: "issuer", setup: func() { f.cfg.Issuer = "https://issuer.example"; f.cfg.DisableISSValidation = false },
			jwt: func() string { return f.jwt(t, nil) }, status: 403, msg: "invalid issuer (iss) claim"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.srv.OnReview(nil)
			f.srv.PutServiceAccount(f.web)
			f.role.Audience, f.role.Token.BoundCIDRs = "", nil
			f.cfg.Issuer, f.cfg.DisableISSValidation = "", true
			if c.setup != nil {
				c.setup()
			}
			jwt := c.jwt()
			_, err := f.login(t, jwt)
			ae := refused(t, err, jwt, c.status, c.msg)
			if c.cause != "" && (ae.Cause == nil || !strings.Contains(ae.Cause.Error(), c.cause)) {
				t.Fatalf("cause %v, want it to say %q", ae.Cause, c.cause)
			}
			if errors.Is(ae, ErrReviewUnavailable) {
				t.Fatal("a verdict is not an outage")
			}
		})
	}
}

func TestLoginApiserverUnavailable(t *testing.T) {
	f := newFixture(t)
	jwt := f.jwt(t, nil)
	f.cfg.Host = testk8s.UnreachableURL(t)
	_, err := f.login(t, jwt)
	ae := refused(t, err, jwt, http.StatusForbidden, "permission denied")
	if !errors.Is(ae, ErrReviewUnavailable) || !strings.Contains(ae.Cause.Error(), "connection refused") {
		t.Fatalf("cause %v", ae.Cause)
	}

	// A CA that did not sign the apiserver's certificate: TLS fails.
	g := newFixture(t)
	g.cfg.CACert = testk8s.Start(t).CACertPEM()
	_, err = g.login(t, g.jwt(t, nil))
	ae = refused(t, err, "", http.StatusForbidden, "permission denied")
	if !errors.Is(ae, ErrReviewUnavailable) || !strings.Contains(ae.Cause.Error(), "certificate") {
		t.Fatalf("cause %v", ae.Cause)
	}

	// A config without any CA: verification fails; the system roots are not used.
	g.cfg.CACert = ""
	_, err = g.login(t, g.jwt(t, nil))
	refused(t, err, "", http.StatusForbidden, "permission denied")

	// An apiserver that never answers: the client's timeout ends the login.
	h := newFixture(t)
	h.srv.StallReviews(true)
	cl, err := NewClient(h.cfg, ClientOptions{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	jwt = h.jwt(t, nil)
	_, err = Login(context.Background(), h.cfg, h.role, cl, LoginRequest{Role: "app", JWT: jwt}, time.Now())
	ae = refused(t, err, jwt, http.StatusForbidden, "permission denied")
	if !errors.Is(ae, ErrReviewUnavailable) || !strings.Contains(ae.Cause.Error(), "Timeout") {
		t.Fatalf("cause %v", ae.Cause)
	}

	if _, err := Login(context.Background(), nil, f.role, nil, LoginRequest{}, time.Now()); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no config: %v", err)
	}
}

func TestLoginWithPEMKeys(t *testing.T) {
	for _, mk := range []func(testing.TB) *testk8s.Signer{testk8s.NewRSASigner, testk8s.NewECDSASigner} {
		f := newFixture(t)
		s := mk(t)
		f.srv.Trust(s)
		f.cfg.PEMKeys = []string{f.signer.PublicKeyPEM(), s.PublicKeyPEM()}
		if _, err := f.login(t, s.MustSign(t, f.srv.Claims(f.web))); err != nil {
			t.Fatalf("%s: %v", s.Algorithm(), err)
		}
		// Signed by a key the apiserver trusts but the config does not list.
		rogue := testk8s.NewECDSASigner(t)
		f.srv.Trust(rogue)
		jwt := rogue.MustSign(t, f.srv.Claims(f.web))
		_, err := f.login(t, jwt)
		ae := refused(t, err, jwt, http.StatusForbidden, "permission denied")
		if !errors.Is(ae, ErrSignature) {
			t.Fatalf("cause %v", ae.Cause)
		}
		if n := len(f.srv.Reviews()); n != 1 {
			t.Fatalf("a token failing local checks must not reach the apiserver (%d reviews)", n)
		}
	}
}

func TestLoginVariants(t *testing.T) {
	f := newFixture(t)
	// Globs and "*".
	f.role.BoundServiceAccountNames = []string{"we*"}
	f.role.BoundServiceAccountNamespaces = []string{"*"}
	f.role.AliasNameSource = AliasNameSourceName
	auth, err := f.login(t, f.jwt(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if auth.Alias.Name != "apps/web" {
		t.Fatalf("alias %q", auth.Alias.Name)
	}
	// The role's audience is what the review asks for.
	f.role.Audience = "vault"
	if _, err := f.login(t, f.jwt(t, func(c *testk8s.Claims) { c.Audience = []string{"vault", "other"} })); err != nil {
		t.Fatal(err)
	}
	rs := f.srv.Reviews()
	if got := rs[len(rs)-1].Spec.Audiences; !reflect.DeepEqual(got, []string{"vault"}) {
		t.Fatalf("review audiences %v", got)
	}
	f.role.Audience = ""
	// Legacy secret-based token (no expiry, issuer kubernetes/serviceaccount).
	auth, err = f.login(t, f.signer.MustSign(t, f.srv.LegacyClaims(f.web)))
	if err != nil {
		t.Fatal(err)
	}
	if auth.Metadata["service_account_secret_name"] != f.web.SecretName {
		t.Fatalf("secret name %q", auth.Metadata["service_account_secret_name"])
	}
	// Annotations as alias metadata.
	f.cfg.UseAnnotationsAsAliasMetadata = true
	sa := f.web
	sa.Annotations = map[string]string{"vault.hashicorp.com/alias-metadata-team": "blue", "unrelated": "x"}
	f.srv.PutServiceAccount(sa)
	auth, err = f.login(t, f.jwt(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if auth.Alias.Metadata["team"] != "blue" || auth.Alias.Metadata["service_account_name"] != "web" || len(auth.Alias.Metadata) != 5 {
		t.Fatalf("alias metadata %v", auth.Alias.Metadata)
	}
	if _, ok := auth.Metadata["team"]; ok {
		t.Fatal("annotations go to the alias, not the token metadata")
	}
	sa.Annotations["vault.hashicorp.com/alias-metadata-service_account_name"] = "evil"
	f.srv.PutServiceAccount(sa)
	_, err = f.login(t, f.jwt(t, nil))
	refused(t, err, "", http.StatusBadRequest, `entity alias metadata keys for only internal use found from the client token's associated service account annotations: keys=["service_account_name"]`)
}

func TestLocalFilesSupplyCAAndToken(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	lf := &LocalFiles{CAPath: dir + "/ca.crt", JWTPath: dir + "/token"}
	writeFile(t, lf.CAPath, f.srv.CACertPEM())
	writeFile(t, lf.JWTPath, f.reviewerJWT+"\n")
	cfg := &Config{Config: kubernetesevent.Config{Host: f.srv.URL()}}
	cl, err := NewClient(cfg, ClientOptions{Local: lf})
	if err != nil {
		t.Fatal(err)
	}
	jwt := f.jwt(t, nil)
	if _, err := Login(context.Background(), cfg, f.role, cl, LoginRequest{Role: "app", JWT: jwt}, time.Now()); err != nil {
		t.Fatal(err)
	}
	rs := f.srv.Reviews()
	if rs[len(rs)-1].Bearer != f.reviewerJWT {
		t.Fatal("the pod's token authenticates the review")
	}
	// disable_local_ca_jwt ignores the pod's files: no CA, TLS fails.
	cfg.DisableLocalCAJWT = true
	cl2, err := NewClient(cfg, ClientOptions{Local: lf})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Login(context.Background(), cfg, f.role, cl2, LoginRequest{Role: "app", JWT: jwt}, time.Now()); err == nil {
		t.Fatal("without the pod's CA the apiserver cannot be verified")
	}
}
