package node

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/ledger/kmsseal/kmstest"
)

func healthCode(t *testing.T, n *Node) int {
	t.Helper()
	resp, _ := rawRequest(t, n, "GET", "/v1/sys/health", "", "")
	return resp.StatusCode
}

func TestShamirInitUnsealSealRekey(t *testing.T) {
	dir := t.TempDir()
	n := startSealedNode(t, dir, sys.SealConfig{})
	c := clientFor(t, n, "")
	require.Equal(t, http.StatusNotImplemented, healthCode(t, n), "not initialised")
	resp, body := rawRequest(t, n, "GET", "/v1/secret/data/x", "whatever", "")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)

	init, err := c.Sys().Init(&vault.InitRequest{SecretShares: 5, SecretThreshold: 3})
	require.NoError(t, err)
	require.Len(t, init.Keys, 5)
	require.Len(t, init.KeysB64, 5)
	require.NotEmpty(t, init.RootToken)
	// Issue 10, item 13: init leaves the node sealed until the threshold
	// of shares is entered, as Vault does.
	require.Equal(t, http.StatusServiceUnavailable, healthCode(t, n), "init leaves the node sealed")
	for i, k := range init.Keys[:3] {
		st, err := c.Sys().Unseal(k)
		require.NoError(t, err)
		require.Equal(t, i < 2, st.Sealed, "share %d", i)
	}
	require.Equal(t, http.StatusOK, healthCode(t, n), "unsealed after the threshold")
	c.SetToken(init.RootToken)
	require.NoError(t, c.Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	_, err = c.KVv2("secret").Put(context.Background(), "app", map[string]any{"k": "v"})
	require.NoError(t, err)

	// Restart: sealed; a wrong share set fails and leaves it sealed.
	require.NoError(t, n.Close())
	n = startSealedNode(t, dir, sys.SealConfig{})
	c = clientFor(t, n, init.RootToken)
	require.Equal(t, http.StatusServiceUnavailable, healthCode(t, n))
	st, err := c.Sys().SealStatus()
	require.NoError(t, err)
	require.True(t, st.Sealed)
	require.Equal(t, 3, st.T)
	require.Equal(t, 5, st.N)

	other, err := startSealedNodeInitShares(t)
	require.NoError(t, err)
	_, err = c.Sys().Unseal(init.Keys[0])
	require.NoError(t, err)
	_, err = c.Sys().Unseal(other[1])
	require.NoError(t, err)
	_, err = c.Sys().Unseal(other[2])
	require.Error(t, err, "shares of another ledger must not unseal this one")
	st, err = c.Sys().SealStatus()
	require.NoError(t, err)
	require.True(t, st.Sealed)
	require.Equal(t, 0, st.Progress, "a failed attempt resets")

	_, err = c.Sys().Unseal("not-a-share")
	require.Error(t, err)
	for i, k := range []string{init.Keys[4], init.KeysB64[2], init.Keys[0]} {
		st, err = c.Sys().Unseal(k)
		require.NoError(t, err)
		require.Equal(t, i < 2, st.Sealed)
	}
	s, err := c.KVv2("secret").Get(context.Background(), "app")
	require.NoError(t, err)
	require.Equal(t, "v", s.Data["k"])

	// Seal on request, then unseal again.
	require.NoError(t, c.Sys().Seal())
	testkit.CheckFor(t, 5*time.Second, 0, func() error {
		if healthCode(t, n) != http.StatusServiceUnavailable {
			return errNotYet
		}
		return nil
	})
	for _, k := range init.Keys[:3] {
		_, err = c.Sys().Unseal(k)
		require.NoError(t, err)
	}
	require.Equal(t, http.StatusOK, healthCode(t, n))

	// Rekey to 3 shares of threshold 2; the old shares stop working.
	rk, err := c.Sys().RekeyInit(&vault.RekeyInitRequest{SecretShares: 3, SecretThreshold: 2})
	require.NoError(t, err)
	var done *vault.RekeyUpdateResponse
	for _, k := range init.Keys[1:4] {
		done, err = c.Sys().RekeyUpdate(k, rk.Nonce)
		require.NoError(t, err)
	}
	require.True(t, done.Complete)
	require.Len(t, done.Keys, 3)
	require.NoError(t, n.Close())
	n = startSealedNode(t, dir, sys.SealConfig{})
	c = clientFor(t, n, init.RootToken)
	for _, k := range init.Keys[:3] {
		_, err = c.Sys().Unseal(k)
		if err != nil {
			break
		}
	}
	st, _ = c.Sys().SealStatus()
	require.True(t, st.Sealed, "old shares no longer unseal")
	_, _ = c.Sys().ResetUnsealProcess()
	for _, k := range done.Keys[:2] {
		_, err = c.Sys().Unseal(k)
		require.NoError(t, err)
	}
	st, err = c.Sys().SealStatus()
	require.NoError(t, err)
	require.False(t, st.Sealed)
	require.Equal(t, 2, st.T)

	// Nothing that unseals lies on disk.
	require.NoError(t, n.Close())
	for _, k := range append(done.KeysB64, init.KeysB64...) {
		raw, err := base64.StdEncoding.DecodeString(k)
		require.NoError(t, err)
		require.Empty(t, filesContaining(t, dir, raw))
	}
}

// startSealedNodeInitShares initialises a second, unrelated ledger and
// returns its shares.
func startSealedNodeInitShares(t *testing.T) ([]string, error) {
	n := startSealedNode(t, t.TempDir(), sys.SealConfig{})
	init, err := clientFor(t, n, "").Sys().Init(&vault.InitRequest{SecretShares: 5, SecretThreshold: 3})
	if err != nil {
		return nil, err
	}
	return init.Keys, nil
}

func TestRotateThenRestartAndRebuild(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root-token")
	c := clientFor(t, n, "root-token")
	ctx := context.Background()
	_, err := c.KVv2("secret").Put(ctx, "before", map[string]any{"k": "1"})
	require.NoError(t, err)
	require.NoError(t, c.Sys().Rotate())
	ks, err := c.Sys().KeyStatus()
	require.NoError(t, err)
	require.Equal(t, 2, ks.Term)
	_, err = c.KVv2("secret").Put(ctx, "after", map[string]any{"k": "2"})
	require.NoError(t, err)
	require.NoError(t, n.Close())
	require.NoError(t, removeProjections(dir))
	n = startNode(t, dir, "root-token")
	c = clientFor(t, n, "root-token")
	for path, want := range map[string]string{"before": "1", "after": "2"} {
		s, err := c.KVv2("secret").Get(ctx, path)
		require.NoError(t, err)
		require.Equal(t, want, s.Data["k"])
	}
	ks, err = c.Sys().KeyStatus()
	require.NoError(t, err)
	require.Equal(t, 2, ks.Term)
}

func TestAWSKMSAutoUnseal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts local-kms")
	}
	kms := kmstest.Start(t)
	_, arn := kms.CreateKey(t, "alias/coffer-unseal")
	cfg := sys.SealConfig{Type: kmsseal.SealType, KMS: kmsseal.Config{
		Region: "eu-west-2", KMSKeyID: "alias/coffer-unseal", Endpoint: kms.Endpoint, AccessKey: "x", SecretKey: "y",
	}}
	_ = arn
	dir := t.TempDir()
	n := startSealedNode(t, dir, cfg)
	c := clientFor(t, n, "")
	init, err := c.Sys().Init(&vault.InitRequest{RecoveryShares: 3, RecoveryThreshold: 2})
	require.NoError(t, err)
	require.Len(t, init.RecoveryKeys, 3)
	require.Empty(t, init.Keys)
	c.SetToken(init.RootToken)
	require.NoError(t, c.Sys().PutPolicy("p", `path "x" { capabilities = ["read"] }`))
	st, err := c.Sys().SealStatus()
	require.NoError(t, err)
	require.Equal(t, "awskms", st.Type)
	require.True(t, st.RecoverySeal)

	// KMS down at start: the node stays sealed and keeps trying.
	require.NoError(t, n.Close())
	kms.Stop()
	n = startSealedNode(t, dir, cfg)
	c = clientFor(t, n, init.RootToken)
	require.Equal(t, http.StatusServiceUnavailable, healthCode(t, n))
	kms.Restart(t)
	testkit.CheckFor(t, 30*time.Second, 0, func() error {
		if healthCode(t, n) != http.StatusOK {
			return errNotYet
		}
		return nil
	})
	text, err := c.Sys().GetPolicy("p")
	require.NoError(t, err)
	require.Contains(t, text, `path "x"`)
}
