package cubbyhole_test

import (
	"net/http"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

// TestCubbyholeIsPrivateToItsToken: each token sees only its own
// cubbyhole, whatever its policies; revoking the token erases it.
func TestCubbyholeIsPrivateToItsToken(t *testing.T) {
	h := start(t)
	root := h.client(t, rootToken)
	_, err := root.Logical().Write("cubbyhole/app/cfg", map[string]any{"password": "cubby-canary-1"})
	require.NoError(t, err)
	s, err := root.Logical().Read("cubbyhole/app/cfg")
	require.NoError(t, err)
	require.Equal(t, "cubby-canary-1", s.Data["password"])
	l, err := root.Logical().List("cubbyhole/")
	require.NoError(t, err)
	require.Equal(t, []any{"app/"}, l.Data["keys"])
	l, err = root.Logical().List("cubbyhole/app")
	require.NoError(t, err)
	require.Equal(t, []any{"cfg"}, l.Data["keys"])

	child, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}})
	require.NoError(t, err)
	cc := h.client(t, child.Auth.ClientToken)
	s, err = cc.Logical().Read("cubbyhole/app/cfg")
	require.NoError(t, err)
	require.Nil(t, s, "another token's cubbyhole is invisible")
	_, err = cc.Logical().Write("cubbyhole/mine", map[string]any{"v": "child-canary"})
	require.NoError(t, err)
	s, err = cc.Logical().Read("cubbyhole/mine")
	require.NoError(t, err)
	require.Equal(t, "child-canary", s.Data["v"])
	_, err = cc.Logical().Write("cubbyhole/mine", map[string]any{})
	requireRefusal(t, err, http.StatusBadRequest, "missing data fields")

	require.False(t, h.storeHolds(t, "cubby-canary-1"), "no plaintext value in the read model")
	require.False(t, h.storeHolds(t, "app/cfg"), "no plaintext path in the read model")

	_, err = cc.Logical().Delete("cubbyhole/mine")
	require.NoError(t, err)
	s, err = cc.Logical().Read("cubbyhole/mine")
	require.NoError(t, err)
	require.Nil(t, s)
	_, err = cc.Logical().Write("cubbyhole/again", map[string]any{"v": "x"})
	require.NoError(t, err)
	require.True(t, h.hasCubbyhole(t, child.Auth.ClientToken))

	require.NoError(t, cc.Auth().Token().RevokeSelf(""))
	testkit.Eventually(t, 10*time.Second, "revoked token's cubbyhole erased", func() bool {
		return !h.hasCubbyhole(t, child.Auth.ClientToken)
	})
	s, err = root.Logical().Read("cubbyhole/app/cfg")
	require.NoError(t, err)
	require.Equal(t, "cubby-canary-1", s.Data["password"], "the root token's cubbyhole is untouched")
}
