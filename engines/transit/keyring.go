package transit

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/events/transitevent"
)

// keyring is one key opened for use: its record and every available
// version with ready-to-use ciphers. It is immutable once built, so the
// hot path shares it between requests without locks; any change to the
// key replaces it (see keyCache).
type keyring struct {
	key      *transitevent.Key
	kt       cmdtransit.KeyType
	versions map[int]*keyVersion
}

// keyVersion is one opened version.
type keyVersion struct {
	number int
	// prefix is "vault:v<number>:", built once.
	prefix   string
	material cmdtransit.Material
	// aead is the cipher of a symmetric, non-derived key (derived keys
	// make one per context).
	aead cipher.AEAD
	ed   ed25519.PrivateKey
	ec   *ecdsa.PrivateKey
	rsa  *rsa.PrivateKey
}

func versionPrefix(v int) string { return "vault:v" + strconv.Itoa(v) + ":" }

func newAEAD(kt cmdtransit.KeyType, key []byte) (cipher.AEAD, error) {
	switch kt {
	case cmdtransit.AES128GCM96, cmdtransit.AES256GCM96:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("transit: aes: %w", err)
		}
		return cipher.NewGCM(block)
	case cmdtransit.ChaCha20Poly1305:
		return chacha20poly1305.New(key)
	}
	return nil, fmt.Errorf("transit: %s is not an AEAD key type", kt)
}

// newKeyring opens k's versions from their material.
func newKeyring(k *transitevent.Key, materials map[int]cmdtransit.Material) (*keyring, error) {
	kr := &keyring{key: k, kt: cmdtransit.KeyType(k.Type), versions: make(map[int]*keyVersion, len(materials))}
	for n, m := range materials {
		v := &keyVersion{number: n, prefix: versionPrefix(n), material: m}
		switch {
		case kr.kt.Symmetric() && !k.Derived:
			aead, err := newAEAD(kr.kt, m.Key)
			if err != nil {
				return nil, err
			}
			v.aead = aead
		case kr.kt == cmdtransit.Ed25519:
			if len(m.Key) != ed25519.PrivateKeySize {
				return nil, fmt.Errorf("transit: ed25519 version %d has a %d-byte key", n, len(m.Key))
			}
			v.ed = ed25519.PrivateKey(m.Key)
		case kr.kt.IsECDSA() || kr.kt.IsRSA():
			priv, err := x509.ParsePKCS8PrivateKey(m.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("transit: parse private key of version %d: %w", n, err)
			}
			switch p := priv.(type) {
			case *ecdsa.PrivateKey:
				v.ec = p
			case *rsa.PrivateKey:
				v.rsa = p
			}
			if (kr.kt.IsECDSA() && v.ec == nil) || (kr.kt.IsRSA() && v.rsa == nil) {
				return nil, fmt.Errorf("transit: version %d holds a %T for a %s key", n, priv, kr.kt)
			}
		}
		kr.versions[n] = v
	}
	return kr, nil
}

// version returns an available version, or Vault's user error.
func (kr *keyring) version(n int) (*keyVersion, error) {
	v, ok := kr.versions[n]
	if !ok {
		return nil, userErrorf("no such key version")
	}
	return v, nil
}

// hmacKey is the key the hmac endpoint uses for version v.
func (kr *keyring) hmacKey(v *keyVersion) []byte {
	if kr.kt == cmdtransit.HMAC {
		return v.material.Key
	}
	return v.material.HMACKey
}
