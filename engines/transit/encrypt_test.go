package transit

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"

	"github.com/cofferhq/coffer/engines/framework"
)

// exportedKey returns version v of an exportable key's raw key.
func (e *env) exportedKey(exportType, name string, v int) []byte {
	e.t.Helper()
	keys := e.read(fmt.Sprintf("export/%s/%s/%d", exportType, name, v))["keys"].(map[string]string)
	raw, err := base64.StdEncoding.DecodeString(keys[fmt.Sprint(v)])
	require.NoError(e.t, err)
	return raw
}

func openAEAD(t testing.TB, typ string, key []byte) cipher.AEAD {
	t.Helper()
	if typ == "chacha20-poly1305" {
		a, err := chacha20poly1305.New(key)
		require.NoError(t, err)
		return a
	}
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	a, err := cipher.NewGCM(block)
	require.NoError(t, err)
	return a
}

// ciphertextBytes strips the "vault:v<N>:" prefix and decodes the rest.
func ciphertextBytes(t testing.TB, ct any, version int) []byte {
	t.Helper()
	body, ok := strings.CutPrefix(ct.(string), fmt.Sprintf("vault:v%d:", version))
	require.True(t, ok, "ciphertext %q has the vault:v%d: prefix", ct, version)
	raw, err := base64.StdEncoding.DecodeString(body)
	require.NoError(t, err)
	return raw
}

// TestCiphertextFormat opens our ciphertexts with the standard library
// alone: "vault:v<N>:" + base64(12-byte nonce || ciphertext || 16-byte tag),
// exactly Vault's layout.
func TestCiphertextFormat(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		typ     string
		keySize int
	}{{"aes128-gcm96", 16}, {"aes256-gcm96", 32}, {"chacha20-poly1305", 32}} {
		t.Run(tt.typ, func(t *testing.T) {
			e.write("keys/"+tt.typ, map[string]any{"type": tt.typ, "exportable": true})
			key := e.exportedKey("encryption-key", tt.typ, 1)
			require.Len(t, key, tt.keySize)
			aead := openAEAD(t, tt.typ, key)

			pt := []byte("the quick brown fox")
			raw := ciphertextBytes(t, e.write("encrypt/"+tt.typ, map[string]any{"plaintext": base64.StdEncoding.EncodeToString(pt)})["ciphertext"], 1)
			require.Len(t, raw, 12+len(pt)+16)
			got, err := aead.Open(nil, raw[:12], raw[12:], nil)
			require.NoError(t, err)
			assert.Equal(t, pt, got)

			aad := []byte("row-17")
			raw = ciphertextBytes(t, e.write("encrypt/"+tt.typ, map[string]any{
				"plaintext": base64.StdEncoding.EncodeToString(pt), "associated_data": base64.StdEncoding.EncodeToString(aad),
			})["ciphertext"], 1)
			got, err = aead.Open(nil, raw[:12], raw[12:], aad)
			require.NoError(t, err, "associated data is authenticated as Vault authenticates it")
			assert.Equal(t, pt, got)
			_, err = aead.Open(nil, raw[:12], raw[12:], nil)
			require.Error(t, err)
		})
	}
}

// TestDerivedKeys recomputes Vault's derivation independently (x/crypto's
// HKDF, not the one the engine uses): key = HKDF-SHA256(version key, no
// salt, info = context); for convergent keys of Vault's version 3, 32 more
// bytes key an HMAC-SHA256 of the plaintext whose first 12 bytes are the
// nonce.
func TestDerivedKeys(t *testing.T) {
	e := newEnv(t)
	e.write("keys/conv", map[string]any{"derived": true, "convergent_encryption": true, "exportable": true, "convergent_version": 3})
	k := e.read("keys/conv")
	assert.Equal(t, true, k["derived"])
	assert.Equal(t, "hkdf_sha256", k["kdf"])
	assert.Equal(t, true, k["convergent_encryption"])
	master := e.exportedKey("encryption-key", "conv", 1)

	pt, ctxA, ctxB := []byte("alice@example.com"), []byte("tenant-a"), []byte("tenant-b")
	enc := func(ctx []byte) string {
		return e.write("encrypt/conv", map[string]any{
			"plaintext": base64.StdEncoding.EncodeToString(pt), "context": base64.StdEncoding.EncodeToString(ctx),
		})["ciphertext"].(string)
	}
	a1, a2, b1 := enc(ctxA), enc(ctxA), enc(ctxB)
	assert.Equal(t, a1, a2, "convergent: same plaintext and context, same ciphertext")
	assert.NotEqual(t, a1, b1, "another context, another key")

	derived := make([]byte, 64)
	_, err := io.ReadFull(hkdf.New(sha256.New, master, nil, ctxA), derived)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, derived[32:])
	mac.Write(pt)
	nonce := mac.Sum(nil)[:12]
	want := append(append([]byte{}, nonce...), openAEAD(t, "aes256-gcm96", derived[:32]).Seal(nil, nonce, pt, nil)...)
	assert.Equal(t, "vault:v1:"+base64.StdEncoding.EncodeToString(want), a1)

	dec := e.write("decrypt/conv", map[string]any{"ciphertext": b1, "context": base64.StdEncoding.EncodeToString(ctxB)})
	assert.Equal(t, base64.StdEncoding.EncodeToString(pt), dec["plaintext"])
	status, msg := e.fail(framework.UpdateOperation, "decrypt/conv", map[string]any{"ciphertext": b1, "context": base64.StdEncoding.EncodeToString(ctxA)})
	assert.Equal(t, 400, status)
	assert.Equal(t, "cipher: message authentication failed", msg)

	// A derived key that is not convergent uses random nonces.
	e.write("keys/der", map[string]any{"derived": true, "type": "chacha20-poly1305", "exportable": true})
	c1 := e.write("encrypt/der", map[string]any{"plaintext": b64("x"), "context": b64("c")})["ciphertext"]
	c2 := e.write("encrypt/der", map[string]any{"plaintext": b64("x"), "context": b64("c")})["ciphertext"]
	assert.NotEqual(t, c1, c2)
	key := make([]byte, 32)
	_, err = io.ReadFull(hkdf.New(sha256.New, e.exportedKey("encryption-key", "der", 1), nil, []byte("c")), key)
	require.NoError(t, err)
	raw := ciphertextBytes(t, c1, 1)
	got, err := openAEAD(t, "chacha20-poly1305", key).Open(nil, raw[:12], raw[12:], nil)
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))

	for _, path := range []string{"encrypt/der", "decrypt/der"} {
		status, msg := e.fail(framework.UpdateOperation, path, map[string]any{"plaintext": b64("x"), "ciphertext": c1})
		assert.Equal(t, 400, status, path)
		assert.Equal(t, errMissingContext, msg, path)
	}
}

func TestBadCiphertexts(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	e.write("keys/k/rotate", nil)
	good := e.write("encrypt/k", map[string]any{"plaintext": b64("secret")})["ciphertext"].(string)
	raw := ciphertextBytes(t, good, 2)
	tampered := append([]byte{}, raw...)
	tampered[len(tampered)-1] ^= 1
	flippedBody := append([]byte{}, raw...)
	flippedBody[13] ^= 0x80

	before := e.lastSeq()
	tests := []struct {
		name string
		path string
		data map[string]any
		msg  string
	}{
		{"bad base64 plaintext", "encrypt/k", map[string]any{"plaintext": "not base64!"}, "illegal base64 data at input byte 3"},
		{"missing plaintext", "encrypt/k", map[string]any{}, "missing plaintext to encrypt"},
		{"key version too new", "encrypt/k", map[string]any{"plaintext": b64("x"), "key_version": 3}, "requested version for encryption is higher than the latest key version"},
		{"negative key version", "encrypt/k", map[string]any{"plaintext": b64("x"), "key_version": -1}, "requested version for encryption is negative"},
		{"caller nonce", "encrypt/k", map[string]any{"plaintext": b64("x"), "nonce": b64("123456789012")}, "provided nonce not allowed for this key"},
		{"missing ciphertext", "decrypt/k", map[string]any{}, "missing ciphertext to decrypt"},
		{"wrong prefix", "decrypt/k", map[string]any{"ciphertext": strings.Replace(good, "vault:", "coffer:", 1)}, "invalid ciphertext: no prefix"},
		{"no version separator", "decrypt/k", map[string]any{"ciphertext": "vault:v2"}, "invalid ciphertext: wrong number of fields"},
		{"version not a number", "decrypt/k", map[string]any{"ciphertext": strings.Replace(good, "v2:", "vX:", 1)}, "invalid ciphertext: version number could not be decoded"},
		{"version too new", "decrypt/k", map[string]any{"ciphertext": strings.Replace(good, "v2:", "v9:", 1)}, "invalid ciphertext: version is too new"},
		{"bad base64 ciphertext", "decrypt/k", map[string]any{"ciphertext": "vault:v2:%%%"}, "invalid ciphertext: could not decode base64"},
		{"truncated", "decrypt/k", map[string]any{"ciphertext": "vault:v2:" + base64.StdEncoding.EncodeToString(raw[:5])}, "invalid ciphertext length"},
		{"tampered tag", "decrypt/k", map[string]any{"ciphertext": "vault:v2:" + base64.StdEncoding.EncodeToString(tampered)}, "cipher: message authentication failed"},
		{"tampered body", "decrypt/k", map[string]any{"ciphertext": "vault:v2:" + base64.StdEncoding.EncodeToString(flippedBody)}, "cipher: message authentication failed"},
		{"under the other version", "decrypt/k", map[string]any{"ciphertext": strings.Replace(good, "v2:", "v1:", 1)}, "cipher: message authentication failed"},
		{"wrong associated data", "decrypt/k", map[string]any{"ciphertext": good, "associated_data": b64("other")}, "cipher: message authentication failed"},
		{"missing key", "decrypt/nope", map[string]any{"ciphertext": good}, "encryption key not found"},
		{"rewrap tampered", "rewrap/k", map[string]any{"ciphertext": "vault:v2:" + base64.StdEncoding.EncodeToString(tampered)}, "cipher: message authentication failed"},
		{"mixed contexts", "encrypt/k", map[string]any{"batch_input": []any{
			map[string]any{"plaintext": b64("a"), "context": b64("c")}, map[string]any{"plaintext": b64("b")},
		}}, "context should be set either in all the request blocks or in none"},
		{"batch item of the wrong type", "encrypt/k", map[string]any{"batch_input": []any{map[string]any{"plaintext": 42}}},
			"failed to parse batch input: '[0].plaintext' expected type 'string', got unconvertible type 'json.Number'"},
		{"batch not a list", "decrypt/k", map[string]any{"batch_input": "[]"}, "failed to parse batch input: batch_input must be a list of objects, got string"},
		{"empty batch", "decrypt/k", map[string]any{"batch_input": []any{}}, "missing batch input to process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := e.fail(framework.UpdateOperation, tt.path, tt.data)
			assert.Equal(t, 400, status)
			assert.Equal(t, tt.msg, msg)
		})
	}
	assert.Equal(t, before, e.lastSeq(), "encrypt and decrypt never write to the ledger")
}

func TestOversizedBatch(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	items := make([]any, MaxBatchItems+1)
	for i := range items {
		items[i] = map[string]any{"plaintext": b64("x")}
	}
	status, msg := e.fail(framework.UpdateOperation, "encrypt/k", map[string]any{"batch_input": items})
	assert.Equal(t, 400, status)
	assert.Equal(t, "batch_input has 1001 items; at most 1000 are allowed in one request", msg)

	resp, err := e.call(framework.UpdateOperation, "encrypt/k", map[string]any{"batch_input": items[:MaxBatchItems]})
	require.NoError(t, err)
	assert.Len(t, resp.Data["batch_results"], MaxBatchItems)
}

func TestBatchResultsInOrder(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	resp, err := e.call(framework.UpdateOperation, "encrypt/k", map[string]any{"batch_input": []any{
		map[string]any{"plaintext": b64("one"), "reference": "r1"},
		map[string]any{"plaintext": "%%%", "reference": "r2"},
		map[string]any{"plaintext": b64("three"), "reference": "r3"},
	}})
	require.NoError(t, err)
	assert.Equal(t, 400, resp.StatusCode, "a failed item makes the batch a 400, as Vault")
	results := resp.Data["batch_results"].([]map[string]any)
	require.Len(t, results, 3)
	assert.Equal(t, []string{"r1", "r2", "r3"}, []string{results[0]["reference"].(string), results[1]["reference"].(string), results[2]["reference"].(string)})
	assert.Equal(t, "illegal base64 data at input byte 0", results[1]["error"])
	assert.NotContains(t, results[1], "ciphertext")

	resp, err = e.call(framework.UpdateOperation, "decrypt/k", map[string]any{
		"partial_failure_response_code": 207,
		"batch_input": []any{
			map[string]any{"ciphertext": results[2]["ciphertext"]},
			map[string]any{"ciphertext": "vault:v7:AAAA"},
			map[string]any{"ciphertext": results[0]["ciphertext"]},
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 207, resp.StatusCode)
	dec := resp.Data["batch_results"].([]map[string]any)
	assert.Equal(t, "three", unb64(t, dec[0]["plaintext"]))
	assert.Equal(t, "invalid ciphertext: version is too new", dec[1]["error"])
	assert.Equal(t, "one", unb64(t, dec[2]["plaintext"]))

	e.write("keys/k/rotate", nil)
	resp, err = e.call(framework.UpdateOperation, "rewrap/k", map[string]any{"batch_input": []any{
		map[string]any{"ciphertext": results[0]["ciphertext"]}, map[string]any{"ciphertext": results[2]["ciphertext"], "key_version": 1},
	}})
	require.NoError(t, err)
	assert.Zero(t, resp.StatusCode)
	re := resp.Data["batch_results"].([]map[string]any)
	assert.Equal(t, 2, re[0]["key_version"])
	assert.Regexp(t, "^vault:v2:", re[0]["ciphertext"])
	assert.Equal(t, 1, re[1]["key_version"], "rewrap honours key_version")
}

func TestEncryptUpsert(t *testing.T) {
	e := newEnv(t)
	status, msg := e.fail(framework.UpdateOperation, "encrypt/new", map[string]any{"plaintext": b64("x"), "type": "ecdsa-p256"})
	assert.Equal(t, 400, status)
	assert.Equal(t, "key type ecdsa-p256 not supported for this operation", msg)
	_, err := e.call(framework.ReadOperation, "keys/new", nil)
	require.ErrorIs(t, err, framework.ErrNotFound, "a refused upsert creates nothing")

	ct := e.write("encrypt/new", map[string]any{"plaintext": b64("x"), "context": b64("ctx"), "type": "chacha20-poly1305"})
	assert.Regexp(t, "^vault:v1:", ct["ciphertext"])
	k := e.read("keys/new")
	assert.Equal(t, "chacha20-poly1305", k["type"])
	assert.Equal(t, true, k["derived"], "an upsert with a context makes a derived key")
}

// TestConvergentNonceCoversAssociatedData: a convergent key of version 4
// (the default) derives its nonce from the associated data and the
// plaintext, so the same plaintext and context under two associated_data
// values never reuse an AES-GCM nonce (issue 10, item 11). A version 3 key
// keeps Vault's scheme (the nonce repeats), and both decrypt.
func TestConvergentNonceCoversAssociatedData(t *testing.T) {
	e := newEnv(t)
	e.write("keys/v4", map[string]any{"derived": true, "convergent_encryption": true, "exportable": true})
	e.write("keys/v3", map[string]any{"derived": true, "convergent_encryption": true, "convergent_version": 3})
	assert.EqualValues(t, 4, e.read("keys/v4")["convergent_version"])
	assert.EqualValues(t, 3, e.read("keys/v3")["convergent_version"])

	pt, ctx := b64("alice@example.com"), b64("tenant-a")
	enc := func(key, aad string) string {
		return e.write("encrypt/"+key, map[string]any{"plaintext": pt, "context": ctx, "associated_data": b64(aad)})["ciphertext"].(string)
	}
	a1, a2, b1 := enc("v4", "row-1"), enc("v4", "row-1"), enc("v4", "row-2")
	assert.Equal(t, a1, a2, "convergent: the same input gives the same ciphertext")
	assert.NotEqual(t, ciphertextBytes(t, a1, 1)[:12], ciphertextBytes(t, b1, 1)[:12], "two associated data must not share a nonce")

	// The nonce recomputed independently: HMAC-SHA256(derived[32:],
	// len(aad) as 8 bytes big-endian || aad || plaintext)[:12].
	derived := make([]byte, 64)
	_, err := io.ReadFull(hkdf.New(sha256.New, e.exportedKey("encryption-key", "v4", 1), nil, []byte("tenant-a")), derived)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, derived[32:])
	mac.Write([]byte{0, 0, 0, 0, 0, 0, 0, 5})
	mac.Write([]byte("row-2"))
	mac.Write([]byte("alice@example.com"))
	assert.Equal(t, mac.Sum(nil)[:12], ciphertextBytes(t, b1, 1)[:12])

	for key, ct := range map[string]string{"v4": b1, "v3": enc("v3", "row-2")} {
		dec := e.write("decrypt/"+key, map[string]any{"ciphertext": ct, "context": ctx, "associated_data": b64("row-2")})
		assert.Equal(t, pt, dec["plaintext"], key)
	}
	// Vault's version 3, kept for compatibility, reuses the nonce.
	assert.Equal(t, ciphertextBytes(t, enc("v3", "row-1"), 1)[:12], ciphertextBytes(t, enc("v3", "row-2"), 1)[:12])

	status, _ := e.fail(framework.UpdateOperation, "keys/bad", map[string]any{"derived": true, "convergent_encryption": true, "convergent_version": 2})
	assert.Equal(t, 400, status)
	status, _ = e.fail(framework.UpdateOperation, "keys/bad", map[string]any{"derived": true, "convergent_version": 4})
	assert.Equal(t, 400, status)
}
