package transit

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
)

func TestGenerate(t *testing.T) {
	tests := []struct {
		kt      KeyType
		keySize int
		check   func(t *testing.T, m Material, pub string)
	}{
		{AES128GCM96, 0, func(t *testing.T, m Material, pub string) { assert.Len(t, m.Key, 16); assert.Empty(t, pub) }},
		{AES256GCM96, 0, func(t *testing.T, m Material, pub string) { assert.Len(t, m.Key, 32) }},
		{ChaCha20Poly1305, 0, func(t *testing.T, m Material, pub string) { assert.Len(t, m.Key, 32) }},
		{HMAC, 0, func(t *testing.T, m Material, pub string) { assert.Len(t, m.Key, 32); assert.Empty(t, m.HMACKey) }},
		{HMAC, 100, func(t *testing.T, m Material, pub string) { assert.Len(t, m.Key, 100) }},
		{Ed25519, 0, func(t *testing.T, m Material, pub string) {
			require.Len(t, m.Key, ed25519.PrivateKeySize)
			raw, err := base64.StdEncoding.DecodeString(pub)
			require.NoError(t, err)
			assert.Equal(t, []byte(ed25519.PrivateKey(m.Key).Public().(ed25519.PublicKey)), raw)
		}},
		{ECDSAP384, 0, func(t *testing.T, m Material, pub string) {
			priv, err := x509.ParsePKCS8PrivateKey(m.PrivateKey)
			require.NoError(t, err)
			ec := priv.(*ecdsa.PrivateKey)
			assert.Equal(t, "P-384", ec.Curve.Params().Name)
			block, _ := pem.Decode([]byte(pub))
			require.NotNil(t, block)
			p, err := x509.ParsePKIXPublicKey(block.Bytes)
			require.NoError(t, err)
			assert.True(t, ec.PublicKey.Equal(p))
		}},
		{RSA2048, 0, func(t *testing.T, m Material, pub string) {
			priv, err := x509.ParsePKCS8PrivateKey(m.PrivateKey)
			require.NoError(t, err)
			assert.Equal(t, 2048, priv.(*rsa.PrivateKey).N.BitLen())
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kt), func(t *testing.T) {
			m, pub, err := Generate(tt.kt, tt.keySize)
			require.NoError(t, err)
			if tt.kt != HMAC {
				assert.Len(t, m.HMACKey, HMACKeySize)
			}
			tt.check(t, m, pub)
		})
	}
}

func TestSealMaterial(t *testing.T) {
	m, _, err := Generate(AES256GCM96, 0)
	require.NoError(t, err)
	dk := ledger.RandomKey()
	sealed, err := SealMaterial(dk, []byte("aad-1"), m)
	require.NoError(t, err)
	assert.NotContains(t, string(sealed), string(m.Key), "material is not in the sealed bytes")

	got, err := OpenMaterial(dk, []byte("aad-1"), sealed)
	require.NoError(t, err)
	assert.Equal(t, m, got)

	_, err = OpenMaterial(dk, []byte("aad-2"), sealed)
	require.Error(t, err, "bound to its aad")
	_, err = OpenMaterial(ledger.RandomKey(), []byte("aad-1"), sealed)
	require.Error(t, err, "only the data key opens it")
}
