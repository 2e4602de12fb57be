package transit

// KeyType is a transit key type, named as Vault names it.
type KeyType string

// Key types.
const (
	AES128GCM96      KeyType = "aes128-gcm96"
	AES256GCM96      KeyType = "aes256-gcm96"
	ChaCha20Poly1305 KeyType = "chacha20-poly1305"
	Ed25519          KeyType = "ed25519"
	ECDSAP256        KeyType = "ecdsa-p256"
	ECDSAP384        KeyType = "ecdsa-p384"
	ECDSAP521        KeyType = "ecdsa-p521"
	RSA2048          KeyType = "rsa-2048"
	RSA3072          KeyType = "rsa-3072"
	RSA4096          KeyType = "rsa-4096"
	HMAC             KeyType = "hmac"
)

// Sizes of HMAC-type keys in bytes, as Vault bounds them.
const (
	HMACMinKeySize     = 32
	HMACMaxKeySize     = 512
	HMACDefaultKeySize = 32
)

// HMACKeySize is the size of the HMAC key every non-HMAC version carries.
const HMACKeySize = 32

// ParseKeyType returns the key type named s, or an InvalidError.
func ParseKeyType(s string) (KeyType, error) {
	switch kt := KeyType(s); kt {
	case AES128GCM96, AES256GCM96, ChaCha20Poly1305, Ed25519, ECDSAP256, ECDSAP384, ECDSAP521,
		RSA2048, RSA3072, RSA4096, HMAC:
		return kt, nil
	}
	return "", invalid("unknown key type %s", s)
}

// Symmetric reports an AEAD key type.
func (kt KeyType) Symmetric() bool {
	return kt == AES128GCM96 || kt == AES256GCM96 || kt == ChaCha20Poly1305
}

// IsRSA reports an RSA key type.
func (kt KeyType) IsRSA() bool { return kt == RSA2048 || kt == RSA3072 || kt == RSA4096 }

// IsECDSA reports an ECDSA key type.
func (kt KeyType) IsECDSA() bool { return kt == ECDSAP256 || kt == ECDSAP384 || kt == ECDSAP521 }

// Asymmetric reports a key type with a public key.
func (kt KeyType) Asymmetric() bool { return kt.IsRSA() || kt.IsECDSA() || kt == Ed25519 }

// EncryptionSupported reports whether encrypt (and datakey) work.
func (kt KeyType) EncryptionSupported() bool { return kt.Symmetric() || kt.IsRSA() }

// DecryptionSupported reports whether decrypt works.
func (kt KeyType) DecryptionSupported() bool { return kt.EncryptionSupported() }

// SigningSupported reports whether sign and verify work.
func (kt KeyType) SigningSupported() bool { return kt.Asymmetric() }

// HashSignatureInput reports whether sign hashes its input first (all
// signing types but Ed25519, which hashes internally).
func (kt KeyType) HashSignatureInput() bool { return kt.IsRSA() || kt.IsECDSA() }

// DerivationSupported reports whether the key may be derived.
func (kt KeyType) DerivationSupported() bool { return kt.Symmetric() || kt == Ed25519 }

// AssociatedDataSupported reports whether associated_data is accepted.
func (kt KeyType) AssociatedDataSupported() bool { return kt.Symmetric() }

// SymmetricKeySize is the AEAD key size in bytes (0 for other types).
func (kt KeyType) SymmetricKeySize() int {
	switch kt {
	case AES128GCM96:
		return 16
	case AES256GCM96, ChaCha20Poly1305:
		return 32
	}
	return 0
}

// RSABits is the modulus size of RSA types (0 for others).
func (kt KeyType) RSABits() int {
	switch kt {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}
