package transit

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

func TestDatakey(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	dk := e.write("datakey/plaintext/k", map[string]any{"bits": 512})
	plain, err := base64.StdEncoding.DecodeString(dk["plaintext"].(string))
	require.NoError(t, err)
	assert.Len(t, plain, 64)
	assert.Equal(t, 1, dk["key_version"])
	assert.Equal(t, dk["plaintext"], e.write("decrypt/k", map[string]any{"ciphertext": dk["ciphertext"]})["plaintext"])

	wrapped := e.write("datakey/wrapped/k", nil)
	assert.NotContains(t, wrapped, "plaintext")
	inner, err := base64.StdEncoding.DecodeString(e.write("decrypt/k", map[string]any{"ciphertext": wrapped["ciphertext"]})["plaintext"].(string))
	require.NoError(t, err)
	assert.Len(t, inner, 32, "256 bits by default")

	for _, tt := range []struct {
		path string
		data map[string]any
		msg  string
	}{
		{"datakey/other/k", nil, "Invalid path, must be 'plaintext' or 'wrapped'"},
		{"datakey/wrapped/k", map[string]any{"bits": 100}, "invalid bit length"},
		{"datakey/wrapped/nope", nil, "encryption key not found"},
	} {
		status, msg := e.fail(framework.UpdateOperation, tt.path, tt.data)
		assert.Equal(t, 400, status, tt.path)
		assert.Equal(t, tt.msg, msg, tt.path)
	}
}

func TestRandomAndHash(t *testing.T) {
	e := newEnv(t)
	r := e.write("random", nil)
	raw, err := base64.StdEncoding.DecodeString(r["random_bytes"].(string))
	require.NoError(t, err)
	assert.Len(t, raw, 32)
	assert.Len(t, e.write("random/64", map[string]any{"format": "hex"})["random_bytes"], 128)
	assert.Len(t, e.write("random/seal/16", nil)["random_bytes"], 24)
	assert.Len(t, e.write("random", map[string]any{"bytes": 10, "format": "hex"})["random_bytes"], 20)
	assert.NotEqual(t, e.write("random", nil)["random_bytes"], e.write("random", nil)["random_bytes"])

	abc := b64("abc")
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", e.write("hash", map[string]any{"input": abc})["sum"])
	assert.Equal(t, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532", e.write("hash/sha3-256", map[string]any{"input": abc})["sum"])
	sum512, err := base64.StdEncoding.DecodeString(e.write("hash", map[string]any{"input": abc, "algorithm": "sha2-512", "format": "base64"})["sum"].(string))
	require.NoError(t, err)
	assert.Equal(t, "ddaf35a193617aba", hex.EncodeToString(sum512[:8]))

	for _, tt := range []struct {
		path string
		data map[string]any
		msg  string
	}{
		{"random/0", nil, "missing or invalid bytes"},
		{"random/200000", nil, "bytes cannot be more than 131072"},
		{"random/moon/8", nil, `unsupported entropy source "moon"; must be "platform" or "seal", or "all"`},
		{"random", map[string]any{"format": "base32"}, `unsupported encoding format "base32"; must be "hex" or "base64"`},
		{"hash/md5", map[string]any{"input": abc}, "unsupported algorithm md5"},
		{"hash", map[string]any{"input": "!"}, "unable to decode input as base64: illegal base64 data at input byte 0"},
	} {
		status, msg := e.fail(framework.UpdateOperation, tt.path, tt.data)
		assert.Equal(t, 400, status, tt.path)
		assert.Equal(t, tt.msg, msg, tt.path)
	}
}

func TestExport(t *testing.T) {
	e := newEnv(t)
	e.write("keys/closed", nil)
	status, msg := e.fail(framework.ReadOperation, "export/encryption-key/closed", nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, "private key material is not exportable", msg)
	status, _ = e.fail(framework.ReadOperation, "export/encryption-key/nope", nil)
	assert.Equal(t, 404, status)
	status, msg = e.fail(framework.ReadOperation, "export/secret-key/closed", nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid export type: secret-key", msg)

	e.write("keys/ec", map[string]any{"type": "ecdsa-p256", "exportable": true})
	e.write("keys/ec/rotate", nil)
	all := e.read("export/signing-key/ec")
	assert.Equal(t, "ecdsa-p256", all["type"])
	keys := all["keys"].(map[string]string)
	require.Len(t, keys, 2)
	block, _ := pem.Decode([]byte(keys["2"]))
	require.NotNil(t, block)
	assert.Equal(t, "EC PRIVATE KEY", block.Type)
	priv, err := x509.ParseECPrivateKey(block.Bytes)
	require.NoError(t, err)
	assert.True(t, priv.PublicKey.Equal(publicKeyOf(t, e, "ec", "2").(*ecdsa.PublicKey)), "the exported key is the one that signs")
	latest := e.read("export/signing-key/ec/latest")["keys"].(map[string]string)
	assert.Equal(t, map[string]string{"2": keys["2"]}, latest)
	status, msg = e.fail(framework.ReadOperation, "export/encryption-key/ec", nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, "encryption not supported for the key", msg)
	status, msg = e.fail(framework.ReadOperation, "export/signing-key/ec/v7", nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, "version does not exist or cannot be found", msg)

	e.write("keys/rsa", map[string]any{"type": "rsa-2048"})
	pub := e.read("export/public-key/rsa/1")["keys"].(map[string]string)["1"]
	block, _ = pem.Decode([]byte(pub))
	require.NotNil(t, block)
	p, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	assert.True(t, p.(*rsa.PublicKey).Equal(publicKeyOf(t, e, "rsa", "1")), "public keys export without exportable")

	e.write("keys/ed", map[string]any{"type": "ed25519", "exportable": true})
	edKey, err := base64.StdEncoding.DecodeString(e.read("export/signing-key/ed/1")["keys"].(map[string]string)["1"])
	require.NoError(t, err)
	require.Len(t, edKey, ed25519.PrivateKeySize)
	sig := e.write("sign/ed", map[string]any{"input": b64("m")})
	assert.Equal(t, "vault:v1:"+base64.StdEncoding.EncodeToString(ed25519.Sign(ed25519.PrivateKey(edKey), []byte("m"))), sig["signature"])
}
