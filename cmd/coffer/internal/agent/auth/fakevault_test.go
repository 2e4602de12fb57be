package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

// fakeVault speaks Vault's login, lookup-self, renew-self and wrapping
// wire format (vault.Secret JSON, {"errors": [...]}) on a loopback
// server; nothing here can run the real auth methods yet (issue 13).
type fakeVault struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	calls     map[string]int
	bodies    map[string][]map[string]any
	tokens    map[string]bool // valid tokens
	ttl       int
	renewable bool
	failNext  int // answer 500 to this many logins
	issued    int
	wrapped   map[string]string // wrapping token -> secret id
}

func newFakeVault(t *testing.T) *fakeVault {
	f := &fakeVault{t: t, calls: map[string]int{}, bodies: map[string][]map[string]any{}, tokens: map[string]bool{},
		ttl: 3600, renewable: true, wrapped: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeVault) client() *vault.Client {
	cfg := vault.DefaultConfig()
	cfg.Address = f.srv.URL
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	require.NoError(f.t, err)
	c.ClearToken()
	return c
}

func (f *fakeVault) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

func (f *fakeVault) lastBody(path string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bodies[path]
	if len(b) == 0 {
		return nil
	}
	return b[len(b)-1]
}

func (f *fakeVault) revoke(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.tokens, token)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	f.calls[path]++
	var body map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	f.bodies[path] = append(f.bodies[path], body)
	token := r.Header.Get("X-Vault-Token")
	denied := func() { writeJSON(w, http.StatusForbidden, map[string]any{"errors": []string{"permission denied"}}) }
	switch path {
	case "/v1/auth/kubernetes/login", "/v1/auth/approle/login", "/v1/auth/k8s-prod/login":
		if r.Method != http.MethodPut && r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": []string{"unsupported operation"}})
			return
		}
		if f.failNext > 0 {
			f.failNext--
			writeJSON(w, http.StatusInternalServerError, map[string]any{"errors": []string{"internal error"}})
			return
		}
		f.issued++
		tok := fmt.Sprintf("hvs.issued-%d", f.issued)
		f.tokens[tok] = true
		writeJSON(w, http.StatusOK, vault.Secret{RequestID: "req", Auth: &vault.SecretAuth{
			ClientToken: tok, Accessor: fmt.Sprintf("acc-%d", f.issued), Policies: []string{"default", "myapp-policy"},
			TokenPolicies: []string{"default", "myapp-policy"}, LeaseDuration: f.ttl, Renewable: f.renewable,
			Metadata: map[string]string{"role": "myapp", "service_account_name": "myapp-sa", "service_account_namespace": "production"},
		}})
	case "/v1/auth/token/lookup-self":
		if !f.tokens[token] {
			denied()
			return
		}
		writeJSON(w, http.StatusOK, vault.Secret{Data: map[string]any{"id": token, "accessor": "acc-file",
			"policies": []string{"default"}, "ttl": f.ttl, "renewable": f.renewable}})
	case "/v1/auth/token/renew-self":
		if !f.tokens[token] {
			denied()
			return
		}
		writeJSON(w, http.StatusOK, vault.Secret{Auth: &vault.SecretAuth{ClientToken: token, LeaseDuration: f.ttl, Renewable: true}})
	case "/v1/sys/wrapping/lookup":
		tok, _ := body["token"].(string)
		if _, ok := f.wrapped[tok]; !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"wrapping token is not valid or does not exist"}})
			return
		}
		writeJSON(w, http.StatusOK, vault.Secret{Data: map[string]any{"creation_path": "auth/approle/role/app/secret-id", "creation_ttl": 60}})
	case "/v1/sys/wrapping/unwrap":
		id, ok := f.wrapped[token]
		if !ok {
			denied()
			return
		}
		delete(f.wrapped, token)
		writeJSON(w, http.StatusOK, vault.Secret{Data: map[string]any{"secret_id": id, "secret_id_accessor": "sacc"}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": []string{}})
	}
}
