package node

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// These tests drive the transit engine through HashiCorp's Go client, the
// way an application using Vault's transit engine would.

func b64s(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mountTransit(t *testing.T, c *vault.Client) {
	t.Helper()
	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
}

func write(t *testing.T, c *vault.Client, path string, data map[string]any) map[string]any {
	t.Helper()
	s, err := c.Logical().Write(path, data)
	require.NoError(t, err, "write %s", path)
	require.NotNil(t, s, "write %s", path)
	return s.Data
}

func read(t *testing.T, c *vault.Client, path string) map[string]any {
	t.Helper()
	s, err := c.Logical().Read(path)
	require.NoError(t, err, "read %s", path)
	require.NotNil(t, s, "read %s", path)
	return s.Data
}

func jsonInt(t *testing.T, v any) int {
	t.Helper()
	n, err := v.(json.Number).Int64()
	require.NoError(t, err)
	return int(n)
}

// requireError asserts a response error with status and message.
func requireError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var re *vault.ResponseError
	require.True(t, errors.As(err, &re), "want a %d response error, got %v", status, err)
	require.Equal(t, status, re.StatusCode, "errors: %v", re.Errors)
	require.Contains(t, re.Errors, msg)
}

func decodeSig(t *testing.T, sig any) []byte {
	t.Helper()
	s := sig.(string)
	i := strings.LastIndex(s, ":")
	raw, err := base64.StdEncoding.DecodeString(s[i+1:])
	require.NoError(t, err)
	return raw
}

func parsePEMPublicKey(t *testing.T, s any) any {
	t.Helper()
	block, _ := pem.Decode([]byte(s.(string)))
	require.NotNil(t, block)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	return pub
}

// TestTransitSeedTutorial is the transit section of the tutorial in
// ../shared/seed/, command by command, plus its policy.
func TestTransitSeedTutorial(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	mountTransit(t, c) // vault secrets enable transit
	mounts, err := c.Sys().ListMounts()
	require.NoError(t, err)
	require.Equal(t, "transit", mounts["transit/"].Type)

	// vault write transit/keys/user-pii type=aes256-gcm96
	write(t, c, "transit/keys/user-pii", map[string]any{"type": "aes256-gcm96"})

	// vault write transit/encrypt/user-pii plaintext=$(echo -n "192.168.1.1 user@example.com" | base64)
	plaintext := b64s("192.168.1.1 user@example.com")
	v1 := write(t, c, "transit/encrypt/user-pii", map[string]any{"plaintext": plaintext})["ciphertext"].(string)
	require.True(t, strings.HasPrefix(v1, "vault:v1:"), v1)

	// vault write transit/decrypt/user-pii ciphertext="vault:v1:..." | base64 -d
	require.Equal(t, plaintext, write(t, c, "transit/decrypt/user-pii", map[string]any{"ciphertext": v1})["plaintext"])

	// Rotation is non-destructive: new encryptions use v2, v1 still decrypts.
	write(t, c, "transit/keys/user-pii/rotate", nil)
	v2 := write(t, c, "transit/encrypt/user-pii", map[string]any{"plaintext": plaintext})["ciphertext"].(string)
	require.True(t, strings.HasPrefix(v2, "vault:v2:"), v2)
	require.Equal(t, plaintext, write(t, c, "transit/decrypt/user-pii", map[string]any{"ciphertext": v1})["plaintext"])

	// vault write transit/rewrap/user-pii ciphertext="vault:v1:..."
	rewrapped := write(t, c, "transit/rewrap/user-pii", map[string]any{"ciphertext": v1})
	require.True(t, strings.HasPrefix(rewrapped["ciphertext"].(string), "vault:v2:"))
	require.Equal(t, 2, jsonInt(t, rewrapped["key_version"]))

	// The application's policy: encrypt and decrypt, nothing else.
	require.NoError(t, c.Sys().PutPolicy("myapp-policy", `
path "transit/encrypt/user-pii" {
  capabilities = ["update"]
}
path "transit/decrypt/user-pii" {
  capabilities = ["update"]
}`))
	tok, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"myapp-policy"}})
	require.NoError(t, err)
	app := clientFor(t, n, tok.Auth.ClientToken)
	appCT := write(t, app, "transit/encrypt/user-pii", map[string]any{"plaintext": plaintext})["ciphertext"]
	require.Equal(t, plaintext, write(t, app, "transit/decrypt/user-pii", map[string]any{"ciphertext": appCT})["plaintext"])
	_, err = app.Logical().Write("transit/keys/user-pii/rotate", nil)
	requireStatus(t, err, 403)
	_, err = app.Logical().Write("transit/encrypt/other-key", map[string]any{"plaintext": plaintext})
	requireStatus(t, err, 403)

	// Raise min_decryption_version: v1 ciphertexts are refused.
	cfg := write(t, c, "transit/keys/user-pii/config", map[string]any{"min_decryption_version": 2})
	require.Equal(t, 2, jsonInt(t, cfg["min_decryption_version"]))
	_, err = c.Logical().Write("transit/decrypt/user-pii", map[string]any{"ciphertext": v1})
	requireError(t, err, 400, "ciphertext or signature version is disallowed by policy (too old)")

	// Right to erasure: delete the key, and its ciphertexts are gone.
	_, err = c.Logical().Delete("transit/keys/user-pii")
	requireError(t, err, 400, "error deleting policy user-pii: deletion is not allowed for this key")
	write(t, c, "transit/keys/user-pii/config", map[string]any{"deletion_allowed": true})
	_, err = c.Logical().Delete("transit/keys/user-pii")
	require.NoError(t, err)
	_, err = c.Logical().Write("transit/decrypt/user-pii", map[string]any{"ciphertext": v2})
	requireError(t, err, 400, "encryption key not found")
	s, err := c.Logical().Read("transit/keys/user-pii")
	require.NoError(t, err)
	require.Nil(t, s, "a deleted key reads as missing (404)")
}

func TestTransitOperationsThroughVaultClient(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	mountTransit(t, c)

	t.Run("keys", func(t *testing.T) {
		write(t, c, "transit/keys/k1", map[string]any{"type": "chacha20-poly1305", "exportable": true, "auto_rotate_period": "24h"})
		write(t, c, "transit/keys/k2", nil)
		list, err := c.Logical().List("transit/keys")
		require.NoError(t, err)
		require.Equal(t, []any{"k1", "k2"}, list.Data["keys"])
		k := read(t, c, "transit/keys/k1")
		require.Equal(t, "chacha20-poly1305", k["type"])
		require.Equal(t, true, k["exportable"])
		require.Equal(t, 86400, jsonInt(t, k["auto_rotate_period"]))
		require.Contains(t, k["keys"], "1")

		for i := 0; i < 3; i++ {
			write(t, c, "transit/keys/k1/rotate", nil)
		}
		write(t, c, "transit/keys/k1/config", map[string]any{"min_decryption_version": 3, "min_encryption_version": 4})
		trimmed := write(t, c, "transit/keys/k1/trim", map[string]any{"min_available_version": 3})
		require.Equal(t, 3, jsonInt(t, trimmed["min_available_version"]))
		require.Len(t, trimmed["keys"], 2)

		exported := read(t, c, "transit/export/encryption-key/k1")
		require.Len(t, exported["keys"], 2)
		one := read(t, c, "transit/export/encryption-key/k1/latest")["keys"].(map[string]any)
		require.Contains(t, one, "4")
		_, err = c.Logical().Read("transit/export/encryption-key/k2")
		requireError(t, err, 400, "private key material is not exportable")
	})

	t.Run("encrypt decrypt rewrap batches", func(t *testing.T) {
		write(t, c, "transit/keys/batch", nil)
		res := write(t, c, "transit/encrypt/batch", map[string]any{"batch_input": []map[string]any{
			{"plaintext": b64s("first"), "reference": "a"}, {"plaintext": b64s("second"), "reference": "b"},
		}})["batch_results"].([]any)
		require.Len(t, res, 2)
		var items []map[string]any
		for _, r := range res {
			m := r.(map[string]any)
			require.Empty(t, m["error"])
			items = append(items, map[string]any{"ciphertext": m["ciphertext"]})
		}
		dec := write(t, c, "transit/decrypt/batch", map[string]any{"batch_input": items})["batch_results"].([]any)
		require.Equal(t, b64s("first"), dec[0].(map[string]any)["plaintext"])
		require.Equal(t, b64s("second"), dec[1].(map[string]any)["plaintext"])

		write(t, c, "transit/keys/batch/rotate", nil)
		re := write(t, c, "transit/rewrap/batch", map[string]any{"batch_input": items})["batch_results"].([]any)
		require.True(t, strings.HasPrefix(re[1].(map[string]any)["ciphertext"].(string), "vault:v2:"))

		// One bad item makes the batch a 400, with every result in order.
		items = append(items, map[string]any{"ciphertext": "vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
		_, err := c.Logical().Write("transit/decrypt/batch", map[string]any{"batch_input": items})
		var respErr *vault.ResponseError
		require.ErrorAs(t, err, &respErr)
		require.Equal(t, 400, respErr.StatusCode)
		s, err := c.Logical().Write("transit/decrypt/batch", map[string]any{"batch_input": items, "partial_failure_response_code": 200})
		require.NoError(t, err)
		got := s.Data["batch_results"].([]any)
		require.Equal(t, b64s("first"), got[0].(map[string]any)["plaintext"])
		require.Equal(t, "cipher: message authentication failed", got[2].(map[string]any)["error"])
	})

	t.Run("derived and convergent", func(t *testing.T) {
		write(t, c, "transit/keys/conv", map[string]any{"derived": true, "convergent_encryption": true})
		ctx := b64s("user-42")
		a := write(t, c, "transit/encrypt/conv", map[string]any{"plaintext": b64s("same"), "context": ctx})["ciphertext"]
		b := write(t, c, "transit/encrypt/conv", map[string]any{"plaintext": b64s("same"), "context": ctx})["ciphertext"]
		require.Equal(t, a, b)
		_, err := c.Logical().Write("transit/encrypt/conv", map[string]any{"plaintext": b64s("same")})
		requireError(t, err, 400, "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key")
	})

	t.Run("datakey", func(t *testing.T) {
		write(t, c, "transit/keys/dk", nil)
		pt := write(t, c, "transit/datakey/plaintext/dk", map[string]any{"bits": 128})
		raw, err := base64.StdEncoding.DecodeString(pt["plaintext"].(string))
		require.NoError(t, err)
		require.Len(t, raw, 16)
		require.Equal(t, pt["plaintext"], write(t, c, "transit/decrypt/dk", map[string]any{"ciphertext": pt["ciphertext"]})["plaintext"])
		wrapped := write(t, c, "transit/datakey/wrapped/dk", nil)
		require.NotContains(t, wrapped, "plaintext")
	})

	t.Run("sign and verify", func(t *testing.T) {
		msg := []byte("signed by coffer")
		input := base64.StdEncoding.EncodeToString(msg)
		sum := sha256.Sum256(msg)

		write(t, c, "transit/keys/ed", map[string]any{"type": "ed25519"})
		edPub, err := base64.StdEncoding.DecodeString(read(t, c, "transit/keys/ed")["keys"].(map[string]any)["1"].(map[string]any)["public_key"].(string))
		require.NoError(t, err)
		sig := write(t, c, "transit/sign/ed", map[string]any{"input": input})["signature"]
		require.True(t, ed25519.Verify(edPub, msg, decodeSig(t, sig)))
		require.Equal(t, true, write(t, c, "transit/verify/ed", map[string]any{"input": input, "signature": sig})["valid"])
		require.Equal(t, false, write(t, c, "transit/verify/ed", map[string]any{"input": b64s("forged"), "signature": sig})["valid"])

		write(t, c, "transit/keys/ec", map[string]any{"type": "ecdsa-p256"})
		ecPub := parsePEMPublicKey(t, read(t, c, "transit/keys/ec")["keys"].(map[string]any)["1"].(map[string]any)["public_key"]).(*ecdsa.PublicKey)
		sig = write(t, c, "transit/sign/ec/sha2-256", map[string]any{"input": input})["signature"]
		require.True(t, ecdsa.VerifyASN1(ecPub, sum[:], decodeSig(t, sig)))

		write(t, c, "transit/keys/rsa", map[string]any{"type": "rsa-2048"})
		rsaPub := parsePEMPublicKey(t, read(t, c, "transit/keys/rsa")["keys"].(map[string]any)["1"].(map[string]any)["public_key"]).(*rsa.PublicKey)
		sig = write(t, c, "transit/sign/rsa", map[string]any{"input": input, "signature_algorithm": "pss"})["signature"]
		require.NoError(t, rsa.VerifyPSS(rsaPub, crypto.SHA256, sum[:], decodeSig(t, sig), nil))
		sig = write(t, c, "transit/sign/rsa", map[string]any{"input": input, "signature_algorithm": "pkcs1v15"})["signature"]
		require.NoError(t, rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, sum[:], decodeSig(t, sig)))
	})

	t.Run("hmac", func(t *testing.T) {
		write(t, c, "transit/keys/mac", map[string]any{"type": "hmac", "exportable": true})
		key, err := base64.StdEncoding.DecodeString(read(t, c, "transit/export/hmac-key/mac/1")["keys"].(map[string]any)["1"].(string))
		require.NoError(t, err)
		m := hmac.New(sha256.New, key)
		m.Write([]byte("data"))
		got := write(t, c, "transit/hmac/mac", map[string]any{"input": b64s("data")})["hmac"]
		require.Equal(t, "vault:v1:"+base64.StdEncoding.EncodeToString(m.Sum(nil)), got)
		require.Equal(t, true, write(t, c, "transit/verify/mac", map[string]any{"input": b64s("data"), "hmac": got})["valid"])
	})

	t.Run("random and hash", func(t *testing.T) {
		r := write(t, c, "transit/random/48", map[string]any{"format": "hex"})["random_bytes"].(string)
		require.Len(t, r, 96)
		sum := write(t, c, "transit/hash/sha2-256", map[string]any{"input": b64s("abc")})["sum"]
		require.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sum)
	})

	t.Run("bad input", func(t *testing.T) {
		write(t, c, "transit/keys/bad", nil)
		good := write(t, c, "transit/encrypt/bad", map[string]any{"plaintext": b64s("x")})["ciphertext"].(string)
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(good, "vault:v1:"))
		require.NoError(t, err)
		raw[len(raw)-1] ^= 0x01 // the tag no longer matches
		tampered := "vault:v1:" + base64.StdEncoding.EncodeToString(raw)
		for _, tt := range []struct {
			path string
			data map[string]any
			msg  string
		}{
			{"transit/keys/bad2", map[string]any{"type": "rot13"}, "unknown key type rot13"},
			{"transit/encrypt/bad", map[string]any{"plaintext": "***"}, "illegal base64 data at input byte 0"},
			{"transit/decrypt/bad", map[string]any{"ciphertext": strings.TrimPrefix(good, "vault:")}, "invalid ciphertext: no prefix"},
			{"transit/decrypt/bad", map[string]any{"ciphertext": strings.Replace(good, "v1:", "v5:", 1)}, "invalid ciphertext: version is too new"},
			{"transit/decrypt/bad", map[string]any{"ciphertext": tampered}, "cipher: message authentication failed"},
		} {
			_, err := c.Logical().Write(tt.path, tt.data)
			requireError(t, err, 400, tt.msg)
		}
		s, err := c.Logical().Read("transit/keys/bad2")
		require.NoError(t, err)
		require.Nil(t, s, "a refused create writes nothing")
	})
}

// TestTransitErasureProof: after a key is deleted, neither the API, nor a
// rebuild of the projections from the ledger, nor a new key with the same
// name decrypts its ciphertexts; every data key its events name is
// destroyed; and no file under the data dir holds the key material or the
// plaintexts.
func TestTransitErasureProof(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root-token")
	c := clientFor(t, n, "root-token")
	mountTransit(t, c)
	write(t, c, "transit/keys/user-pii", map[string]any{"exportable": true})
	write(t, c, "transit/keys/user-pii/rotate", nil)

	plaintexts := []string{canary(t), canary(t), canary(t)}
	var cts []string
	for _, p := range plaintexts {
		cts = append(cts, write(t, c, "transit/encrypt/user-pii", map[string]any{"plaintext": b64s(p)})["ciphertext"].(string))
	}
	var material [][]byte
	for _, v := range read(t, c, "transit/export/encryption-key/user-pii")["keys"].(map[string]any) {
		raw, err := base64.StdEncoding.DecodeString(v.(string))
		require.NoError(t, err)
		material = append(material, raw)
	}
	for _, k := range material {
		require.Len(t, k, 32)
	}
	require.Equal(t, b64s(plaintexts[0]), write(t, c, "transit/decrypt/user-pii", map[string]any{"ciphertext": cts[0]})["plaintext"])

	write(t, c, "transit/keys/user-pii/config", map[string]any{"deletion_allowed": true})
	_, err := c.Logical().Delete("transit/keys/user-pii")
	require.NoError(t, err)

	// 1. The API.
	for _, ct := range cts {
		_, err := c.Logical().Write("transit/decrypt/user-pii", map[string]any{"ciphertext": ct})
		requireError(t, err, 400, "encryption key not found")
	}

	// Every data key a transit event ever named is destroyed: the sealed
	// material in the immutable ledger is unreadable even with the unseal
	// keys.
	checked := 0
	for _, rec := range readLedger(t, n) {
		if rec.Kind != transitevent.AggregateKind {
			continue
		}
		var p struct {
			DataKey string `json:"data_key"`
		}
		require.NoError(t, json.Unmarshal(rec.Data, &p))
		if p.DataKey == "" {
			continue
		}
		checked++
		_, err := n.ledger.DataKeys().Get(context.Background(), p.DataKey)
		require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed, "%s names data key %s", rec.Type, p.DataKey)
	}
	require.Equal(t, 3, checked, "key_created, key_rotated, key_deleted")
	require.NoError(t, n.Close())

	// 2. A full rebuild of the projections from the ledger.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "projections")))
	n2 := startNode(t, dir, "root-token")
	c2 := clientFor(t, n2, "root-token")
	s, err := c2.Logical().Read("transit/keys/user-pii")
	require.NoError(t, err)
	require.Nil(t, s, "the rebuilt read model has no such key")
	for _, ct := range cts {
		_, err := c2.Logical().Write("transit/decrypt/user-pii", map[string]any{"ciphertext": ct})
		requireError(t, err, 400, "encryption key not found")
	}

	// 3. A fresh key with the same name.
	write(t, c2, "transit/keys/user-pii", nil)
	write(t, c2, "transit/keys/user-pii/rotate", nil)
	for _, ct := range cts {
		_, err := c2.Logical().Write("transit/decrypt/user-pii", map[string]any{"ciphertext": ct})
		requireError(t, err, 400, "cipher: message authentication failed")
	}
	require.NoError(t, n2.Close())

	// 4. No file under the data dir holds the material or a plaintext.
	for _, k := range material {
		assert.Empty(t, filesContaining(t, dir, k), "raw key material on disk")
		assert.Empty(t, filesContaining(t, dir, []byte(base64.StdEncoding.EncodeToString(k))), "base64 key material on disk")
	}
	for _, p := range plaintexts {
		assert.Empty(t, filesContaining(t, dir, []byte(p)), "plaintext %s on disk", p)
		assert.Empty(t, filesContaining(t, dir, []byte(b64s(p))), "base64 plaintext %s on disk", p)
	}
}

// BenchmarkTransitEncryptParallel encrypts 100 bytes through the Vault
// client into an in-process node with 16 concurrent clients (audit on), for
// profiling the hot path:
//
//	go test -run '^$' -bench TransitEncrypt -benchtime 20000x ./node/
func BenchmarkTransitEncryptParallel(b *testing.B) {
	n := startNode(b, b.TempDir(), "root-token")
	c := clientFor(b, n, "root-token")
	require.NoError(b, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	_, err := c.Logical().Write("transit/keys/bench", nil)
	require.NoError(b, err)
	body := map[string]any{"plaintext": base64.StdEncoding.EncodeToString(make([]byte, 100))}
	b.SetParallelism(16 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Logical().Write("transit/encrypt/bench", body); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
