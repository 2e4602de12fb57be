package scenarios_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cofferhq/coffer/internal/testpg"
)

// serviceAccountJWT signs a service-account token shaped like the ones
// Kubernetes mounts in pods.
func serviceAccountJWT(t *testing.T, ns, name string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	now := time.Now()
	signing := enc(map[string]any{"alg": "RS256", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": "https://kubernetes.default.svc.cluster.local", "sub": "system:serviceaccount:" + ns + ":" + name,
		"aud": []string{"https://kubernetes.default.svc.cluster.local"}, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io":                          map[string]any{"namespace": ns, "serviceaccount": map[string]any{"name": name, "uid": "7e2b2b2c-1111-4c3a-9d1e-000000000001"}},
		"kubernetes.io/serviceaccount/namespace": ns, "kubernetes.io/serviceaccount/service-account.name": name,
	})
	h := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// fakeTokenReview is a TLS server on loopback that speaks the Kubernetes
// TokenReview API (authentication.k8s.io/v1 types) and authenticates the
// one JWT it was given; no kube-apiserver can run here.
func fakeTokenReview(t *testing.T, jwt, ns, name string) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/apis/authentication.k8s.io/v1/tokenreviews" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var tr authv1.TokenReview
		if err := json.NewDecoder(r.Body).Decode(&tr); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tr.TypeMeta = metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"}
		if tr.Spec.Token == jwt {
			// As the apiserver does, the status names the audiences both
			// the request and the token accept (the token's default is the
			// cluster's issuer).
			var auds []string
			for _, a := range tr.Spec.Audiences {
				if a == "https://kubernetes.default.svc.cluster.local" {
					auds = append(auds, a)
				}
			}
			tr.Status = authv1.TokenReviewStatus{Authenticated: true, Audiences: auds, User: authv1.UserInfo{
				Username: "system:serviceaccount:" + ns + ":" + name, UID: "7e2b2b2c-1111-4c3a-9d1e-000000000001",
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}}}
		} else {
			tr.Status = authv1.TokenReviewStatus{Authenticated: false, Error: "invalid bearer token"}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(tr)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestInjectedSidecarKubernetesLogin is the tutorial end to end with the
// injector's generated configuration unchanged (auto_auth method
// "kubernetes") against the server's Kubernetes auth method.
func TestInjectedSidecarKubernetesLogin(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	require.NoError(t, root.Sys().EnableAuthWithOptions("kubernetes", &vault.EnableAuthOptions{Type: "kubernetes"}))
	pg := testpg.Start(t)
	tutorialDatabase(t, s, pg, "1h")
	appToken(t, root, "1h") // writes myapp-policy
	jwt := serviceAccountJWT(t, "production", "myapp-sa")
	review := fakeTokenReview(t, jwt, "production", "myapp-sa")
	caPEM := certPEM(review.TLS)
	_, err := root.Logical().Write("auth/kubernetes/config", map[string]any{
		"kubernetes_host": review.URL, "kubernetes_ca_cert": caPEM, "token_reviewer_jwt": jwt,
		"issuer": "https://kubernetes.default.svc.cluster.local"})
	require.NoError(t, err)
	_, err = root.Logical().Write("auth/kubernetes/role/myapp", map[string]any{
		"bound_service_account_names": "myapp-sa", "bound_service_account_namespaces": "production",
		"policies": "myapp-policy", "ttl": "1h"})
	require.NoError(t, err)

	cfg := injectedSidecarConfig(t, s, s.Addr)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sa-token"), []byte(jwt), 0o600))
	text := strings.ReplaceAll(string(localize(t, cfg, dir)), "/var/run/secrets/kubernetes.io/serviceaccount/token", dir+"/sa-token")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(text), 0o600))
	a := startAgentFile(t, s, dir, filepath.Join(dir, "config.json"))
	content, _ := waitFor(t, filepath.Join(dir, "db-creds"), 30*time.Second, hasCreds)
	user, password := credsOf(t, content)
	loginWith(t, pg, user, password)
	require.NotContains(t, a.out.String(), jwt)
}

func certPEM(c *tls.Config) string {
	if c == nil || len(c.Certificates) == 0 || len(c.Certificates[0].Certificate) == 0 {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificates[0].Certificate[0]}))
}

// TestAgentAppRoleLogin: auto_auth method "approle" against the server's
// AppRole method.
func TestAgentAppRoleLogin(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &vault.EnableAuthOptions{Type: "approle"}))
	appToken(t, root, "1h") // writes myapp-policy
	putKV(t, root, "myapp/config", map[string]any{"api_key": "from-approle"})
	_, err := root.Logical().Write("auth/approle/role/myapp", map[string]any{"token_policies": "myapp-policy", "token_ttl": "1h"})
	require.NoError(t, err)
	rid, err := root.Logical().Read("auth/approle/role/myapp/role-id")
	require.NoError(t, err)
	sid, err := root.Logical().Write("auth/approle/role/myapp/secret-id", nil)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "role-id"), []byte(rid.Data["role_id"].(string)), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret-id"), []byte(sid.Data["secret_id"].(string)), 0o600))
	a := startAgent(t, s, dir, fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "{{DIR}}/role-id"
      secret_id_file_path = "{{DIR}}/secret-id"
    }
  }
  sink "file" { config = { path = "{{DIR}}/sink" } }
}
%s`, s.Addr, kvTemplate))
	waitFor(t, filepath.Join(dir, "config.env"), 30*time.Second, equals("API_KEY=from-approle"))
	_, err = os.Stat(filepath.Join(dir, "secret-id"))
	require.True(t, os.IsNotExist(err), "the secret id file is removed after reading")
	require.NotContains(t, a.out.String(), sid.Data["secret_id"].(string))
}
