package testk8s

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ServiceAccount is an account the server knows.
type ServiceAccount struct {
	Namespace   string
	Name        string
	UID         string
	SecretName  string
	Annotations map[string]string
}

// Username is the name the apiserver gives the account.
func (sa ServiceAccount) Username() string {
	return fmt.Sprintf("system:serviceaccount:%s:%s", sa.Namespace, sa.Name)
}

// Review is one TokenReview the server received.
type Review struct {
	Bearer string
	Spec   authv1.TokenReviewSpec
}

// Server is a TLS apiserver stand-in on 127.0.0.1.
type Server struct {
	srv   *httptest.Server
	caPEM string

	mu        sync.Mutex
	issuer    string
	apiAuds   []string
	signers   []*Signer
	accounts  map[string]ServiceAccount // by ns/name
	reviewers map[string]bool           // ns/name granted tokenreviews create
	bearers   map[string]bool           // static tokens allowed to review
	onReview  func(authv1.TokenReviewSpec) *authv1.TokenReviewStatus
	reviews   []Review
	stall     bool
	closing   chan struct{}
	closeOnce sync.Once
	now       func() time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithIssuer sets the service-account issuer (default DefaultIssuer).
func WithIssuer(iss string) Option { return func(s *Server) { s.issuer = iss } }

// WithAPIAudiences sets the audiences a review checks when the request
// names none (default: the issuer).
func WithAPIAudiences(auds ...string) Option { return func(s *Server) { s.apiAuds = auds } }

// WithClock sets the clock used to judge token expiry.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// Start runs a server until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		issuer:    DefaultIssuer,
		accounts:  map[string]ServiceAccount{},
		reviewers: map[string]bool{},
		bearers:   map[string]bool{},
		now:       time.Now,
		closing:   make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	if s.apiAuds == nil {
		s.apiAuds = []string{s.issuer}
	}
	cert, caPEM, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	s.caPEM = caPEM
	mux := http.NewServeMux()
	mux.HandleFunc("POST /apis/authentication.k8s.io/v1/tokenreviews", s.handleReview)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/serviceaccounts/{name}", s.handleGetServiceAccount)
	s.srv = httptest.NewUnstartedServer(mux)
	// Clients that refuse the certificate are part of the tests; keep the
	// handshake errors out of the test output.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.srv.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// URL is the server's https base URL (kubernetes_host).
func (s *Server) URL() string { return s.srv.URL }

// CACertPEM is the CA that signed the server's certificate
// (kubernetes_ca_cert).
func (s *Server) CACertPEM() string { return s.caPEM }

// Issuer is the issuer of the tokens the server accepts.
func (s *Server) Issuer() string { return s.issuer }

// Close stops the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// Trust makes tokens signed by signer valid here.
func (s *Server) Trust(signer *Signer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signers = append(s.signers, signer)
}

// AddServiceAccount creates an account with a fresh UID and a token secret
// name, and returns it.
func (s *Server) AddServiceAccount(namespace, name string) ServiceAccount {
	sa := ServiceAccount{Namespace: namespace, Name: name, UID: randomID(), SecretName: name + "-token-" + randomID()[:5]}
	s.PutServiceAccount(sa)
	return sa
}

// PutServiceAccount creates or replaces an account as given.
func (s *Server) PutServiceAccount(sa ServiceAccount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[sa.Namespace+"/"+sa.Name] = sa
}

// DeleteServiceAccount removes an account; its tokens stop being valid.
func (s *Server) DeleteServiceAccount(namespace, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.accounts, namespace+"/"+name)
}

// GrantTokenReview lets the account's tokens call the TokenReview API.
func (s *Server) GrantTokenReview(sa ServiceAccount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewers[sa.Namespace+"/"+sa.Name] = true
}

// AllowBearer lets a static token call the TokenReview API.
func (s *Server) AllowBearer(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bearers[token] = true
}

// OnReview installs a hook that may replace a review's status; returning
// nil keeps the server's own answer.
func (s *Server) OnReview(hook func(authv1.TokenReviewSpec) *authv1.TokenReviewStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onReview = hook
}

// StallReviews makes TokenReview calls hang until the caller gives up, to
// test client timeouts.
func (s *Server) StallReviews(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall = on
}

// Reviews returns the reviews received so far.
func (s *Server) Reviews() []Review {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Review(nil), s.reviews...)
}

// Claims are projected-token claims for sa as this server issues them: its
// issuer and API audiences, a pod reference, valid for an hour.
func (s *Server) Claims(sa ServiceAccount) Claims {
	return Claims{
		Issuer:    s.issuer,
		Audience:  append([]string(nil), s.apiAuds...),
		Namespace: sa.Namespace,
		Name:      sa.Name,
		UID:       sa.UID,
		Pod:       &ObjectRef{Name: sa.Name + "-7d4b9c6f5-x2x9z", UID: randomID()},
		IssuedAt:  s.now(),
	}
}

// LegacyClaims are secret-based token claims for sa.
func (s *Server) LegacyClaims(sa ServiceAccount) Claims {
	return Claims{Legacy: true, Namespace: sa.Namespace, Name: sa.Name, UID: sa.UID, SecretName: sa.SecretName}
}

func bearerOf(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authorize checks the caller as the apiserver would: authenticate the
// bearer, then check it may create tokenreviews. It writes the refusal.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, verb, resource string) bool {
	bearer := bearerOf(r)
	s.mu.Lock()
	static := s.bearers[bearer]
	s.mu.Unlock()
	if static {
		return true
	}
	st := s.review(authv1.TokenReviewSpec{Token: bearer})
	if !st.Authenticated {
		writeStatus(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized")
		return false
	}
	parts := strings.Split(st.User.Username, ":")
	s.mu.Lock()
	granted := len(parts) == 4 && s.reviewers[parts[2]+"/"+parts[3]]
	s.mu.Unlock()
	if !granted {
		writeStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden, fmt.Sprintf(
			"%s is forbidden: User %q cannot %s resource %q in API group %q at the cluster scope",
			resource, st.User.Username, verb, strings.SplitN(resource, ".", 2)[0], groupOf(resource)))
		return false
	}
	return true
}

func groupOf(resource string) string {
	if i := strings.IndexByte(resource, '.'); i >= 0 {
		return resource[i+1:]
	}
	return ""
}

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request) {
	var tr authv1.TokenReview
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&tr); err != nil {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "the object provided is unrecognized: "+err.Error())
		return
	}
	s.mu.Lock()
	stall := s.stall
	s.mu.Unlock()
	if stall {
		// The body is read, so the server notices the client hanging up.
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	s.mu.Lock()
	s.reviews = append(s.reviews, Review{Bearer: bearerOf(r), Spec: tr.Spec})
	s.mu.Unlock()
	if !s.authorize(w, r, "create", "tokenreviews.authentication.k8s.io") {
		return
	}
	if tr.Spec.Token == "" {
		writeStatus(w, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "TokenReview.authentication.k8s.io \"\" is invalid: spec.token: Required value: token must not be empty")
		return
	}
	st := s.review(tr.Spec)
	s.mu.Lock()
	hook := s.onReview
	s.mu.Unlock()
	if hook != nil {
		if o := hook(tr.Spec); o != nil {
			st = *o
		}
	}
	out := authv1.TokenReview{
		TypeMeta:   metav1.TypeMeta{Kind: "TokenReview", APIVersion: "authentication.k8s.io/v1"},
		ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(s.now())},
		Spec:       tr.Spec,
		Status:     st,
	}
	writeJSON(w, http.StatusCreated, out)
}

// review authenticates a token as the apiserver's service-account
// authenticator does.
func (s *Server) review(spec authv1.TokenReviewSpec) authv1.TokenReviewStatus {
	fail := func(msg string) authv1.TokenReviewStatus {
		return authv1.TokenReviewStatus{Authenticated: false, Error: "[invalid bearer token, " + msg + "]"}
	}
	s.mu.Lock()
	signers := append([]*Signer(nil), s.signers...)
	issuer, apiAuds := s.issuer, s.apiAuds
	s.mu.Unlock()

	claims, err := verify(spec.Token, signers)
	if err != nil {
		return fail(err.Error())
	}
	iss, _ := claims["iss"].(string)
	var ns, name, uid, secret string
	var podName, podUID string
	legacy := iss == LegacyIssuer
	if legacy {
		ns, _ = claims["kubernetes.io/serviceaccount/namespace"].(string)
		name, _ = claims["kubernetes.io/serviceaccount/service-account.name"].(string)
		uid, _ = claims["kubernetes.io/serviceaccount/service-account.uid"].(string)
		secret, _ = claims["kubernetes.io/serviceaccount/secret.name"].(string)
	} else {
		if iss != issuer {
			return fail("token issuer " + iss + " is not trusted")
		}
		k8s, _ := claims["kubernetes.io"].(map[string]any)
		ns, _ = k8s["namespace"].(string)
		if sa, ok := k8s["serviceaccount"].(map[string]any); ok {
			name, _ = sa["name"].(string)
			uid, _ = sa["uid"].(string)
		}
		if pod, ok := k8s["pod"].(map[string]any); ok {
			podName, _ = pod["name"].(string)
			podUID, _ = pod["uid"].(string)
		}
		exp, ok := claims["exp"].(float64)
		if !ok {
			return fail("service account token has no expiry")
		}
		if s.now().After(time.Unix(int64(exp), 0)) {
			return fail("service account token has expired")
		}
		if nbf, ok := claims["nbf"].(float64); ok && s.now().Before(time.Unix(int64(nbf), 0).Add(-time.Minute)) {
			return fail("service account token is not valid yet")
		}
	}
	var tokenAuds []string
	switch a := claims["aud"].(type) {
	case string:
		tokenAuds = []string{a}
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok {
				tokenAuds = append(tokenAuds, s)
			}
		}
	}
	want := spec.Audiences
	if len(want) == 0 {
		want = apiAuds
	}
	var auds []string
	if legacy {
		// Legacy tokens carry no audience; the apiserver accepts them for
		// its own audiences only.
		if len(spec.Audiences) > 0 && !intersects(spec.Audiences, apiAuds) {
			return fail(fmt.Sprintf("token audiences %q is invalid for the target audiences %q", apiAuds, spec.Audiences))
		}
		auds = want
	} else {
		for _, a := range want {
			if contains(tokenAuds, a) {
				auds = append(auds, a)
			}
		}
		if len(auds) == 0 {
			return fail(fmt.Sprintf("token audiences %q is invalid for the target audiences %q", tokenAuds, want))
		}
	}
	s.mu.Lock()
	sa, ok := s.accounts[ns+"/"+name]
	s.mu.Unlock()
	if !ok {
		return fail(fmt.Sprintf("service account %s/%s has been deleted", ns, name))
	}
	if sa.UID != uid {
		return fail(fmt.Sprintf("service account UID (%s) does not match claim (%s)", sa.UID, uid))
	}
	if legacy && sa.SecretName != secret {
		return fail(fmt.Sprintf("secret %s/%s has been deleted", ns, secret))
	}
	user := authv1.UserInfo{
		Username: sa.Username(),
		UID:      sa.UID,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	if podName != "" {
		user.Extra = map[string]authv1.ExtraValue{
			"authentication.kubernetes.io/pod-name": {podName},
			"authentication.kubernetes.io/pod-uid":  {podUID},
		}
	}
	return authv1.TokenReviewStatus{Authenticated: true, User: user, Audiences: auds}
}

func (s *Server) handleGetServiceAccount(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, "get", "serviceaccounts") {
		return
	}
	ns, name := r.PathValue("ns"), r.PathValue("name")
	s.mu.Lock()
	sa, ok := s.accounts[ns+"/"+name]
	s.mu.Unlock()
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("serviceaccounts %q not found", name))
		return
	}
	out := corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{Kind: "ServiceAccount", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{
			Name: sa.Name, Namespace: sa.Namespace, UID: types.UID(sa.UID), Annotations: sa.Annotations,
		},
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	writeJSON(w, code, metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Code:     int32(code),
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func intersects(a, b []string) bool {
	for _, v := range a {
		if contains(b, v) {
			return true
		}
	}
	return false
}

// UnreachableURL returns an https URL on 127.0.0.1 where nothing listens:
// the port was just taken and released.
func UnreachableURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "https://" + addr
}

// selfSigned makes a CA and a server certificate for 127.0.0.1 and
// localhost.
func selfSigned() (tls.Certificate, string, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "testk8s-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost", "kubernetes.default.svc"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, srvKey.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	cert := tls.Certificate{Certificate: [][]byte{srvDER, caDER}, PrivateKey: srvKey}
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	return cert, caPEM, nil
}
