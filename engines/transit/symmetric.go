package transit

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
)

// convergentHMACKeySize is how many derived bytes key the convergent nonce
// (Vault's convergent version 3 and Coffer's 4).
const convergentHMACKeySize = 32

// encryptVersion maps key_version (0: latest) to the version a new
// ciphertext uses, with Vault's checks.
func (kr *keyring) encryptVersion(ver int) (int, error) {
	k := kr.key
	switch {
	case ver == 0:
		return k.LatestVersion, nil
	case ver < 0:
		return 0, userErrorf("requested version for encryption is negative")
	case ver > k.LatestVersion:
		return 0, userErrorf("requested version for encryption is higher than the latest key version")
	case ver < k.MinEncryptionVersion:
		return 0, userErrorf("requested version for encryption is less than the minimum encryption key version")
	}
	return ver, nil
}

// deriveKey is the HKDF-SHA256 derivation of Vault's derived keys: the
// version's key as secret, no salt, the context as info.
func deriveKey(secret, context []byte, n int) ([]byte, error) {
	if len(context) == 0 {
		return nil, userErrorf(errMissingContext)
	}
	out, err := hkdf.Key(sha256.New, secret, nil, string(context), n)
	if err != nil {
		return nil, fmt.Errorf("transit: derive key: %w", err)
	}
	return out, nil
}

// cipherFor returns the AEAD for version v under context, and for
// convergent keys the key of the deterministic nonce.
func (kr *keyring) cipherFor(v *keyVersion, context []byte, convergent bool) (cipher.AEAD, []byte, error) {
	if !kr.key.Derived {
		return v.aead, nil, nil
	}
	n := kr.kt.SymmetricKeySize()
	extra := 0
	if convergent {
		extra = convergentHMACKeySize
	}
	derived, err := deriveKey(v.material.Key, context, n+extra)
	if err != nil {
		return nil, nil, err
	}
	aead, err := newAEAD(kr.kt, derived[:n])
	if err != nil {
		return nil, nil, err
	}
	return aead, derived[n:], nil
}

// encrypt returns the "vault:v<N>:" ciphertext of plaintext and the
// version used.
func (kr *keyring) encrypt(ver int, context, plaintext, aad []byte) (string, int, error) {
	if !kr.kt.EncryptionSupported() {
		return "", 0, userErrorf("message encryption not supported for key type %s", kr.kt)
	}
	ver, err := kr.encryptVersion(ver)
	if err != nil {
		return "", 0, err
	}
	v, err := kr.version(ver)
	if err != nil {
		return "", 0, err
	}
	var raw []byte
	if kr.kt.IsRSA() {
		raw, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, &v.rsa.PublicKey, plaintext, nil)
		if err != nil {
			return "", 0, userErrorf("failed to RSA encrypt the plaintext: %v", err)
		}
	} else if raw, err = kr.sealSymmetric(v, context, plaintext, aad); err != nil {
		return "", 0, err
	}
	out := make([]byte, 0, len(v.prefix)+base64.StdEncoding.EncodedLen(len(raw)))
	out = append(out, v.prefix...)
	return string(base64.StdEncoding.AppendEncode(out, raw)), ver, nil
}

// sealSymmetric returns nonce || ciphertext || tag. The nonce is random,
// or for convergent keys an HMAC-SHA256 under the derived nonce key
// truncated to the nonce size, so the same input always gives the same
// ciphertext: of the plaintext alone for Vault's version 3, of
// len(aad) || aad || plaintext for version 4, so two associated data
// never share a nonce (AES-GCM under a repeated nonce leaks the XOR of
// the plaintexts and its authentication key). Decryption never looks at
// how a nonce was made, so both versions' ciphertexts open alike.
func (kr *keyring) sealSymmetric(v *keyVersion, context, plaintext, aad []byte) ([]byte, error) {
	convergent := kr.key.ConvergentEncryption
	aead, nonceKey, err := kr.cipherFor(v, context, convergent)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	out := make([]byte, ns, ns+len(plaintext)+aead.Overhead())
	if convergent {
		mac := hmac.New(sha256.New, nonceKey)
		if kr.key.ConvergentVersion >= cmdtransit.ConvergentAAD {
			mac.Write(binary.BigEndian.AppendUint64(nil, uint64(len(aad))))
			mac.Write(aad)
		}
		mac.Write(plaintext)
		copy(out, mac.Sum(nil)[:ns])
	} else if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("transit: nonce: %w", err)
	}
	return aead.Seal(out, out[:ns], plaintext, aad), nil
}

// decrypt opens a "vault:v<N>:" ciphertext.
func (kr *keyring) decrypt(context, aad []byte, ciphertext string) ([]byte, error) {
	if !kr.kt.DecryptionSupported() {
		return nil, userErrorf("message decryption not supported for key type %s", kr.kt)
	}
	ver, body, err := splitVersioned(ciphertext, "ciphertext")
	if err != nil {
		return nil, err
	}
	if ver == 0 {
		ver = 1 // Vault's compatibility with its first ciphertexts
	}
	if ver > kr.key.LatestVersion {
		return nil, userErrorf("invalid ciphertext: version is too new")
	}
	if kr.key.MinDecryptionVersion > 0 && ver < kr.key.MinDecryptionVersion {
		return nil, userErrorf(errTooOld)
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, userErrorf("invalid ciphertext: could not decode base64")
	}
	v, err := kr.version(ver)
	if err != nil {
		return nil, err
	}
	if kr.kt.IsRSA() {
		plain, err := rsa.DecryptOAEP(sha256.New(), nil, v.rsa, raw, nil)
		if err != nil {
			return nil, userErrorf("failed to RSA decrypt the ciphertext: %v", err)
		}
		return plain, nil
	}
	aead, _, err := kr.cipherFor(v, context, false)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(raw) < ns {
		return nil, userErrorf("invalid ciphertext length")
	}
	plain, err := aead.Open(nil, raw[:ns], raw[ns:], aad)
	if err != nil {
		// "cipher: message authentication failed": says nothing about the
		// key or the plaintext.
		return nil, userErrorf("%v", err)
	}
	return plain, nil
}
