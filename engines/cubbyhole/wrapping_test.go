package cubbyhole_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

const wrapErr = "wrapping token is not valid or does not exist"

// TestAppRoleSecretIDDeliveredWrapped is the flow Vault's AppRole docs
// teach: `write -wrap-ttl=60s -f auth/approle/role/app/secret-id`, then
// `unwrap` (here with the wrapping token as the client's token, as the Go
// client does without one), log in with the secret id; a second unwrap is
// refused.
func TestAppRoleSecretIDDeliveredWrapped(t *testing.T) {
	h := start(t)
	root := h.client(t, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &vault.EnableAuthOptions{Type: "approle"}))
	_, err := root.Logical().Write("auth/approle/role/app", map[string]any{"token_policies": "default"})
	require.NoError(t, err)
	rid, err := root.Logical().Read("auth/approle/role/app/role-id")
	require.NoError(t, err)

	s, err := h.wrapping(t, rootToken, "60s").Logical().Write("auth/approle/role/app/secret-id", nil)
	require.NoError(t, err)
	require.NotNil(t, s.WrapInfo)
	require.Nil(t, s.Data, "only wrap_info is shown")
	wi := s.WrapInfo
	require.NotEmpty(t, wi.Token)
	require.NotEmpty(t, wi.Accessor)
	require.Equal(t, 60, wi.TTL)
	require.Equal(t, "auth/approle/role/app/secret-id", wi.CreationPath)
	require.WithinDuration(t, time.Now(), wi.CreationTime, time.Minute)

	look, err := h.client(t, "").Logical().Write("sys/wrapping/lookup", map[string]any{"token": wi.Token})
	require.NoError(t, err)
	require.EqualValues(t, "60", look.Data["creation_ttl"].(interface{ String() string }).String())
	require.Equal(t, "auth/approle/role/app/secret-id", look.Data["creation_path"])

	un, err := h.client(t, "").Logical().Unwrap(wi.Token)
	require.NoError(t, err)
	secretID, _ := un.Data["secret_id"].(string)
	require.NotEmpty(t, secretID)
	require.NotEmpty(t, un.Data["secret_id_accessor"])

	login, err := h.client(t, "").Logical().Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"], "secret_id": secretID})
	require.NoError(t, err)
	require.NotEmpty(t, login.Auth.ClientToken)

	_, err = h.client(t, "").Logical().Unwrap(wi.Token)
	requireRefusal(t, err, http.StatusBadRequest, wrapErr)
	_, err = h.client(t, "").Logical().Write("sys/wrapping/lookup", map[string]any{"token": wi.Token})
	requireRefusal(t, err, http.StatusBadRequest, wrapErr)
	testkit.Eventually(t, 10*time.Second, "unwrapped token's cubbyhole erased", func() bool { return !h.hasCubbyhole(t, wi.Token) })
	require.False(t, h.storeHolds(t, secretID), "the wrapped secret id is nowhere in plaintext")
}

// TestUnwrapIsSingleUse: of concurrent unwraps of one token (token in
// the body, each with its own client token) exactly one gets the
// response.
func TestUnwrapIsSingleUse(t *testing.T) {
	h := start(t)
	s, err := h.wrapping(t, rootToken, "5m").Logical().Write("sys/wrapping/wrap", map[string]any{"color": "teal"})
	require.NoError(t, err)
	tok := s.WrapInfo.Token
	var mu sync.Mutex
	var got []*vault.Secret
	refused := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.client(t, rootToken).Logical().Unwrap(tok)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				requireRefusal(t, err, http.StatusBadRequest, wrapErr)
				refused++
				return
			}
			got = append(got, r)
		}()
	}
	wg.Wait()
	require.Len(t, got, 1)
	require.Equal(t, 7, refused)
	require.Equal(t, "teal", got[0].Data["color"])
}

// TestWrapEndpointNeedsATTL: sys/wrapping/wrap without X-Vault-Wrap-TTL
// is refused with Vault's message.
func TestWrapEndpointNeedsATTL(t *testing.T) {
	h := start(t)
	c := h.client(t, rootToken)
	c.SetWrappingLookupFunc(func(string, string) string { return "" })
	_, err := c.Logical().Write("sys/wrapping/wrap", map[string]any{"a": "b"})
	requireRefusal(t, err, http.StatusBadRequest, "endpoint requires response wrapping to be used")
	_, err = h.wrapping(t, rootToken, "-5s").Logical().Write("sys/wrapping/wrap", map[string]any{"a": "b"})
	requireRefusal(t, err, http.StatusBadRequest, "requested wrap ttl cannot be negative")
}

// TestRewrapMovesTheResponse: rewrap gives a new token with the same TTL
// and creation path; the old one is spent.
func TestRewrapMovesTheResponse(t *testing.T) {
	h := start(t)
	s, err := h.wrapping(t, rootToken, "120").Logical().Write("sys/wrapping/wrap", map[string]any{"k": "v"})
	require.NoError(t, err)
	old := s.WrapInfo
	require.Equal(t, 120, old.TTL)
	re, err := h.client(t, rootToken).Logical().Write("sys/wrapping/rewrap", map[string]any{"token": old.Token})
	require.NoError(t, err)
	require.NotNil(t, re.WrapInfo)
	require.NotEqual(t, old.Token, re.WrapInfo.Token)
	require.Equal(t, 120, re.WrapInfo.TTL)
	require.Equal(t, "sys/wrapping/wrap", re.WrapInfo.CreationPath)
	_, err = h.client(t, "").Logical().Unwrap(old.Token)
	requireRefusal(t, err, http.StatusBadRequest, wrapErr)
	un, err := h.client(t, "").Logical().Unwrap(re.WrapInfo.Token)
	require.NoError(t, err)
	require.Equal(t, "v", un.Data["k"])
}

// TestWrappedTokenCreation: a wrapped login-style response carries
// wrapped_accessor, and the unwrapped token works.
func TestWrappedTokenCreation(t *testing.T) {
	h := start(t)
	s, err := h.wrapping(t, rootToken, "1m").Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}})
	require.NoError(t, err)
	require.NotNil(t, s.WrapInfo)
	require.NotEmpty(t, s.WrapInfo.WrappedAccessor)
	un, err := h.client(t, rootToken).Logical().Unwrap(s.WrapInfo.Token)
	require.NoError(t, err)
	require.Equal(t, s.WrapInfo.WrappedAccessor, un.Auth.Accessor)
	self, err := h.client(t, un.Auth.ClientToken).Auth().Token().LookupSelf()
	require.NoError(t, err)
	require.Equal(t, un.Auth.Accessor, self.Data["accessor"])
}

// TestExpiredWrappingTokenIsErased: a wrapping token past its TTL cannot
// be unwrapped, and the sweeper erases its cubbyhole.
func TestExpiredWrappingTokenIsErased(t *testing.T) {
	h := start(t)
	s, err := h.wrapping(t, rootToken, "1s").Logical().Write("sys/wrapping/wrap", map[string]any{"k": "short-lived"})
	require.NoError(t, err)
	require.True(t, h.hasCubbyhole(t, s.WrapInfo.Token))
	testkit.Eventually(t, 15*time.Second, "expired wrapping token's cubbyhole erased", func() bool { return !h.hasCubbyhole(t, s.WrapInfo.Token) })
	_, err = h.client(t, "").Logical().Unwrap(s.WrapInfo.Token)
	requireRefusal(t, err, http.StatusBadRequest, wrapErr)
}

// TestWrappingTTLPolicyBounds: min_wrapping_ttl and max_wrapping_ttl on a
// policy rule refuse requests wrapped outside the bounds, and unwrapped
// ones.
func TestWrappingTTLPolicyBounds(t *testing.T) {
	h := start(t)
	root := h.client(t, rootToken)
	require.NoError(t, root.Sys().PutPolicy("bounded", `
path "cubbyhole/*" {
  capabilities = ["create", "read", "update"]
  min_wrapping_ttl = "30s"
  max_wrapping_ttl = "2m"
}`))
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"bounded"}, NoDefaultPolicy: true})
	require.NoError(t, err)
	c := h.client(t, tok.Auth.ClientToken)
	_, err = c.Logical().Write("cubbyhole/x", map[string]any{"v": "1"})
	requireRefusal(t, err, http.StatusForbidden, "")
	w := h.wrapping(t, tok.Auth.ClientToken, "60s")
	_, err = w.Logical().Write("cubbyhole/x", map[string]any{"v": "1"})
	require.NoError(t, err, "a write with nothing to answer is not wrapped but allowed")
	s, err := w.Logical().Read("cubbyhole/x")
	require.NoError(t, err)
	require.NotNil(t, s.WrapInfo)
	for _, ttl := range []string{"10s", "5m"} {
		_, err = h.wrapping(t, tok.Auth.ClientToken, ttl).Logical().Read("cubbyhole/x")
		requireRefusal(t, err, http.StatusForbidden, "")
	}
	un, err := h.client(t, "").Logical().Unwrap(s.WrapInfo.Token)
	require.NoError(t, err)
	require.Equal(t, "1", un.Data["v"])
}
