package e2e_test

import (
	"net/http"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testk8s"
)

// TestKubernetesLoginThroughVaultClient: config and role written with the
// Vault client, logins reviewed by a TLS apiserver on loopback speaking
// the real TokenReview API, and every refusal Vault gives.
func TestKubernetesLoginThroughVaultClient(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("kubernetes", &vault.EnableAuthOptions{Type: "kubernetes"}))

	k8s := testk8s.Start(t)
	signer := testk8s.NewRSASigner(t)
	k8s.Trust(signer)
	web := k8s.AddServiceAccount("apps", "web")
	reviewer := k8s.AddServiceAccount("coffer", "token-reviewer")
	k8s.GrantTokenReview(reviewer)
	reviewerJWT := signer.MustSign(t, k8s.Claims(reviewer))

	_, err := root.Logical().Write("auth/kubernetes/config", map[string]any{
		"kubernetes_host": k8s.URL(), "kubernetes_ca_cert": k8s.CACertPEM(), "token_reviewer_jwt": reviewerJWT,
		"pem_keys": signer.PublicKeyPEM(), "issuer": k8s.Issuer(), "disable_iss_validation": false,
	})
	require.NoError(t, err)
	cfg, err := root.Logical().Read("auth/kubernetes/config")
	require.NoError(t, err)
	assert.Equal(t, k8s.URL(), cfg.Data["kubernetes_host"])
	assert.Equal(t, true, cfg.Data["token_reviewer_jwt_set"])
	assert.NotContains(t, cfg.Data, "token_reviewer_jwt", "the reviewer JWT is never read back")

	_, err = root.Logical().Write("auth/kubernetes/role/web", map[string]any{
		"bound_service_account_names": "web", "bound_service_account_namespaces": "app*",
		"policies": "web-policy", "ttl": "1h",
	})
	require.NoError(t, err)
	role, err := root.Logical().Read("auth/kubernetes/role/web")
	require.NoError(t, err)
	assert.Equal(t, []any{"web-policy"}, role.Data["token_policies"])
	assert.Equal(t, []any{"web-policy"}, role.Data["policies"], "the legacy name is echoed")

	anon := client(t, n, "")
	jwt := signer.MustSign(t, k8s.Claims(web))
	login, err := anon.Logical().Write("auth/kubernetes/login", map[string]any{"role": "web", "jwt": jwt})
	require.NoError(t, err)
	assert.Equal(t, []string{"default", "web-policy"}, login.Auth.Policies)
	assert.Equal(t, 3600, login.Auth.LeaseDuration)
	assert.Equal(t, "web", login.Auth.Metadata["service_account_name"])
	assert.Equal(t, "apps", login.Auth.Metadata["service_account_namespace"])
	assert.Equal(t, web.UID, login.Auth.Metadata["service_account_uid"])
	assert.Equal(t, "web", login.Auth.Metadata["role"])
	self, err := client(t, n, login.Auth.ClientToken).Auth().Token().LookupSelf()
	require.NoError(t, err)
	assert.Equal(t, "kubernetes-apps-web", self.Data["display_name"])

	other := k8s.AddServiceAccount("apps", "other")
	elsewhere := k8s.AddServiceAccount("kube-system", "web")
	unsigned := testk8s.NewRSASigner(t) // a key not in pem_keys
	for _, tc := range []struct {
		name, role, jwt string
		status          int
		msg             string
	}{
		{"wrong name", "web", signer.MustSign(t, k8s.Claims(other)), http.StatusForbidden, "service account name not authorized"},
		{"wrong namespace", "web", signer.MustSign(t, k8s.Claims(elsewhere)), http.StatusForbidden, "namespace not authorized"},
		{"expired", "web", signer.MustSign(t, func() testk8s.Claims {
			c := k8s.Claims(web)
			c.IssuedAt = time.Now().Add(-3 * time.Hour)
			c.Expiry = time.Now().Add(-2 * time.Hour)
			return c
		}()), http.StatusForbidden, ""},
		{"signed by another key", "web", unsigned.MustSign(t, k8s.Claims(web)), http.StatusForbidden, "permission denied"},
		{"no such role", "nope", jwt, http.StatusBadRequest, `invalid role name "nope"`},
		{"missing jwt", "web", "", http.StatusBadRequest, "missing jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := anon.Logical().Write("auth/kubernetes/login", map[string]any{"role": tc.role, "jwt": tc.jwt})
			requireRefusal(t, err, tc.status, tc.msg)
		})
	}

	// The apiserver says no: a service account deleted since its token
	// was signed.
	k8s.DeleteServiceAccount("apps", "web")
	_, err = anon.Logical().Write("auth/kubernetes/login", map[string]any{"role": "web", "jwt": jwt})
	requireRefusal(t, err, http.StatusForbidden, "permission denied")

	// An unreachable apiserver is refused the same way.
	_, err = root.Logical().Write("auth/kubernetes/config", map[string]any{
		"kubernetes_host": testk8s.UnreachableURL(t), "kubernetes_ca_cert": k8s.CACertPEM(), "token_reviewer_jwt": reviewerJWT,
	})
	require.NoError(t, err)
	k8s.PutServiceAccount(web) // the account is back: only the address is wrong
	_, err = anon.Logical().Write("auth/kubernetes/login", map[string]any{"role": "web", "jwt": jwt})
	requireRefusal(t, err, http.StatusForbidden, "permission denied")
}
