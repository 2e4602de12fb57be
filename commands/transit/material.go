package transit

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/cofferhq/coffer/ledger"
)

// Material is the secret part of one key version. It exists in plaintext
// only in memory; everything stored holds it sealed (SealMaterial).
type Material struct {
	// Key is the AEAD key, the HMAC-type key, or the Ed25519 private key
	// (64 bytes: seed || public key, the form Vault keeps and derives from).
	Key []byte `json:"key,omitempty"`
	// HMACKey keys the hmac endpoint for every type but HMAC (which uses Key).
	HMACKey []byte `json:"hmac_key,omitempty"`
	// PrivateKey is the PKCS#8 DER private key of ECDSA and RSA types.
	PrivateKey []byte `json:"private_key,omitempty"`
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("transit: random: %w", err)
	}
	return b, nil
}

// Curve returns the elliptic curve of an ECDSA type (nil for others).
func (kt KeyType) Curve() elliptic.Curve {
	switch kt {
	case ECDSAP256:
		return elliptic.P256()
	case ECDSAP384:
		return elliptic.P384()
	case ECDSAP521:
		return elliptic.P521()
	}
	return nil
}

// Generate makes fresh material for one version of a key of type kt and
// returns it with the formatted public key (empty for symmetric types).
// keySize applies to HMAC keys only (0 means the default).
func Generate(kt KeyType, keySize int) (Material, string, error) {
	var m Material
	var err error
	if kt != HMAC {
		if m.HMACKey, err = randomBytes(HMACKeySize); err != nil {
			return Material{}, "", err
		}
	}
	switch {
	case kt.Symmetric():
		m.Key, err = randomBytes(kt.SymmetricKeySize())
		return m, "", err
	case kt == HMAC:
		if keySize == 0 {
			keySize = HMACDefaultKeySize
		}
		m.Key, err = randomBytes(keySize)
		return m, "", err
	case kt == Ed25519:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Material{}, "", fmt.Errorf("transit: generate ed25519: %w", err)
		}
		m.Key = priv
		return m, base64.StdEncoding.EncodeToString(pub), nil
	case kt.IsECDSA():
		priv, err := ecdsa.GenerateKey(kt.Curve(), rand.Reader)
		if err != nil {
			return Material{}, "", fmt.Errorf("transit: generate ecdsa: %w", err)
		}
		return withPrivateKey(m, priv, &priv.PublicKey)
	case kt.IsRSA():
		priv, err := rsa.GenerateKey(rand.Reader, kt.RSABits())
		if err != nil {
			return Material{}, "", fmt.Errorf("transit: generate rsa: %w", err)
		}
		return withPrivateKey(m, priv, &priv.PublicKey)
	}
	return Material{}, "", invalid("unknown key type %s", kt)
}

func withPrivateKey(m Material, priv, pub any) (Material, string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Material{}, "", fmt.Errorf("transit: marshal private key: %w", err)
	}
	m.PrivateKey = der
	pemPub, err := FormatPublicKey(pub)
	if err != nil {
		return Material{}, "", err
	}
	return m, pemPub, nil
}

// FormatPublicKey renders an ECDSA or RSA public key as Vault's key read
// does: PEM of the PKIX SubjectPublicKeyInfo, with its trailing newline.
func FormatPublicKey(pub any) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("transit: marshal public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// SealMaterial encrypts m under a data key, bound by aad
// (transitevent.MaterialAAD).
func SealMaterial(dataKey, aad []byte, m Material) ([]byte, error) {
	plain, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("transit: marshal material: %w", err)
	}
	return ledger.SealWith(dataKey, aad, plain)
}

// OpenMaterial decrypts what SealMaterial produced.
func OpenMaterial(dataKey, aad, sealed []byte) (Material, error) {
	plain, err := ledger.OpenWith(dataKey, aad, sealed)
	if err != nil {
		return Material{}, fmt.Errorf("transit: open material: %w", err)
	}
	var m Material
	if err := json.Unmarshal(plain, &m); err != nil {
		return Material{}, fmt.Errorf("transit: decode material: %w", err)
	}
	return m, nil
}
