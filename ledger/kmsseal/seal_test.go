package kmsseal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/ledger/kmsseal/kmstest"
	"github.com/stretchr/testify/require"
)

const alias = "alias/coffer-unseal"

func newSeal(t *testing.T, srv *kmstest.Server, keyID string) *kmsseal.Seal {
	t.Helper()
	s, err := kmsseal.New(context.Background(), kmsseal.Config{
		Region:    kmstest.Region,
		KMSKeyID:  keyID,
		Endpoint:  srv.Endpoint,
		AccessKey: kmstest.AccessKey,
		SecretKey: kmstest.SecretKey,
		Timeout:   10 * time.Second,
	})
	require.NoError(t, err)
	return s
}

func TestWrapUnwrapRoundTrip(t *testing.T) {
	srv := kmstest.Start(t)
	keyID, arn := srv.CreateKey(t, alias)

	seal := newSeal(t, srv, alias)
	require.Equal(t, "awskms", seal.Type())
	require.Equal(t, alias, seal.KeyID())

	root := ledger.RandomKey()
	wrapped, err := seal.Wrap(root)
	require.NoError(t, err)
	require.False(t, bytes.Contains(wrapped, root), "the root key must not appear in what is stored")

	var envelope map[string]any
	require.NoError(t, json.Unmarshal(wrapped, &envelope))
	require.Equal(t, arn, envelope["key_arn"], "the envelope names the key that made it")

	got, err := seal.Unwrap(wrapped)
	require.NoError(t, err)
	require.Equal(t, root, got)

	// The same key named by id or ARN opens it too.
	for _, id := range []string{keyID, arn} {
		got, err := newSeal(t, srv, id).Unwrap(wrapped)
		require.NoError(t, err, id)
		require.Equal(t, root, got)
	}

	// Two wraps of one key differ (KMS ciphertexts are randomised).
	again, err := seal.Wrap(root)
	require.NoError(t, err)
	require.NotEqual(t, wrapped, again)
}

func TestWrongKeyIsABadKey(t *testing.T) {
	srv := kmstest.Start(t)
	srv.CreateKey(t, alias)
	otherID, _ := srv.CreateKey(t, "alias/someone-else")

	root := ledger.RandomKey()
	wrapped, err := newSeal(t, srv, alias).Wrap(root)
	require.NoError(t, err)

	t.Run("no such key", func(t *testing.T) {
		missing := newSeal(t, srv, "alias/does-not-exist")
		_, err := missing.Wrap(root)
		require.ErrorIs(t, err, kmsseal.ErrBadKey)
		_, err = missing.Unwrap(wrapped)
		require.ErrorIs(t, err, kmsseal.ErrBadKey)
	})
	t.Run("another existing key", func(t *testing.T) {
		_, err := newSeal(t, srv, otherID).Unwrap(wrapped)
		require.ErrorIs(t, err, kmsseal.ErrBadKey)
		require.NotErrorIs(t, err, kmsseal.ErrUnreachable)
	})
	t.Run("tampered ciphertext", func(t *testing.T) {
		var w struct {
			V          int    `json:"v"`
			KeyARN     string `json:"key_arn"`
			Ciphertext []byte `json:"ciphertext"`
		}
		require.NoError(t, json.Unmarshal(wrapped, &w))
		w.Ciphertext[len(w.Ciphertext)-1] ^= 1 // inside the authentication tag
		tampered, err := json.Marshal(w)
		require.NoError(t, err)
		_, err = newSeal(t, srv, alias).Unwrap(tampered)
		require.ErrorIs(t, err, kmsseal.ErrBadKey)
	})
	t.Run("disabled key", func(t *testing.T) {
		id, _ := srv.CreateKey(t, "alias/disabled")
		s := newSeal(t, srv, id)
		w, err := s.Wrap(root)
		require.NoError(t, err)
		srv.DisableKey(t, id)
		_, err = s.Unwrap(w)
		require.ErrorIs(t, err, kmsseal.ErrBadKey)
	})
}

func TestMalformedWrappedKey(t *testing.T) {
	srv := kmstest.Start(t)
	srv.CreateKey(t, alias)
	seal := newSeal(t, srv, alias)
	for _, w := range [][]byte{nil, []byte("not json"), []byte(`{"v":2,"ciphertext":"AAAA"}`), []byte(`{"v":1}`)} {
		_, err := seal.Unwrap(w)
		require.ErrorIs(t, err, kmsseal.ErrMalformed, "%q", w)
	}
}

// TestKMSDownThenBack stops KMS, checks that unwrapping is classified as
// unreachable, then runs the start-up loop while KMS comes back.
func TestKMSDownThenBack(t *testing.T) {
	srv := kmstest.Start(t)
	srv.CreateKey(t, alias)
	seal := newSeal(t, srv, alias)
	root := ledger.RandomKey()
	wrapped, err := seal.Wrap(root)
	require.NoError(t, err)

	srv.Stop()
	_, err = seal.Unwrap(wrapped)
	require.ErrorIs(t, err, kmsseal.ErrUnreachable)
	require.NotErrorIs(t, err, kmsseal.ErrBadKey)
	_, err = seal.Wrap(root)
	require.ErrorIs(t, err, kmsseal.ErrUnreachable)

	var failures atomic.Int32
	restarted := make(chan struct{})
	var got []byte
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = kmsseal.Backoff{
		Initial: 50 * time.Millisecond,
		Max:     200 * time.Millisecond,
		OnError: func(err error, wait time.Duration) {
			require.ErrorIs(t, err, kmsseal.ErrUnreachable)
			if failures.Add(1) == 2 {
				// Bring KMS back while the loop waits.
				srv.Restart(t)
				close(restarted)
			}
		},
	}.Retry(ctx, func(ctx context.Context) error {
		var err error
		got, err = seal.UnwrapContext(ctx, wrapped)
		return err
	})
	require.NoError(t, err)
	<-restarted
	require.GreaterOrEqual(t, failures.Load(), int32(2))
	require.Equal(t, root, got, "the key survives the KMS restart")
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	ctx := context.Background()
	_, err := kmsseal.New(ctx, kmsseal.Config{Region: "us-east-1"})
	require.ErrorIs(t, err, kmsseal.ErrConfig)
	_, err = kmsseal.New(ctx, kmsseal.Config{KMSKeyID: alias, AccessKey: "AKIA"})
	require.ErrorIs(t, err, kmsseal.ErrConfig)
	_, err = kmsseal.New(ctx, kmsseal.Config{KMSKeyID: alias, SecretKey: "do-not-print-me"})
	require.ErrorIs(t, err, kmsseal.ErrConfig)
	require.NotContains(t, err.Error(), "do-not-print-me")
}
