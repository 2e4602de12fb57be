package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Key types as Vault names them (key_type, private_key_type).
const (
	KeyRSA     = "rsa"
	KeyEC      = "ec"
	KeyEd25519 = "ed25519"
	// KeyAny is a role's key_type that accepts any CSR key.
	KeyAny = "any"
)

// minRSABits is the smallest RSA key Vault accepts anywhere.
const minRSABits = 2048

// defaultKeyBits is what key_bits=0 means for each key type.
var defaultKeyBits = map[string]int{KeyRSA: 2048, KeyEC: 256}

// ecHashBits maps the NIST curves Vault accepts to the hash they sign with.
var ecHashBits = map[int]int{224: 256, 256: 256, 384: 384, 521: 512}

// NormalizeKeyParams validates key_type, key_bits and signature_bits
// together and fills their defaults, as Vault does when a role or an issuer
// is written: key_bits 0 becomes 2048 (rsa) or 256 (ec); signature_bits 0
// becomes 256 for rsa and stays 0 (the curve decides) for ec, ed25519 and
// any. The messages are Vault's.
func NormalizeKeyParams(keyType string, keyBits, sigBits int) (int, int, error) {
	if keyBits == 0 {
		if d, ok := defaultKeyBits[keyType]; ok {
			keyBits = d
		}
	}
	switch keyType {
	case KeyRSA:
		if keyBits < minRSABits {
			return keyBits, sigBits, Refusef("RSA keys < %d bits are unsafe and not supported: got %d", minRSABits, keyBits)
		}
		switch keyBits {
		case 2048, 3072, 4096, 8192:
		default:
			return keyBits, sigBits, Refusef("unsupported bit length for RSA key: %d", keyBits)
		}
		if sigBits == 0 {
			sigBits = 256
		}
		switch sigBits {
		case 256, 384, 512:
		default:
			return keyBits, sigBits, Refusef("unsupported hash signature algorithm: %d", sigBits)
		}
	case KeyEC:
		if _, ok := ecHashBits[keyBits]; !ok {
			return keyBits, sigBits, Refusef("unsupported bit length for EC key: %d", keyBits)
		}
	case KeyAny, KeyEd25519:
	default:
		return keyBits, sigBits, Refusef("unknown key type %s", keyType)
	}
	return keyBits, sigBits, nil
}

// PrivateKey is a private key with the encoding Vault returns it in.
type PrivateKey struct {
	Signer crypto.Signer
	// Type is rsa, ec or ed25519 (Vault's private_key_type).
	Type string
	// DER is PKCS#1 (rsa), SEC 1 (ec) or PKCS#8 (ed25519).
	DER []byte
}

// pemType is the PEM block type of DER.
func (k *PrivateKey) pemType() string {
	switch k.Type {
	case KeyRSA:
		return "RSA PRIVATE KEY"
	case KeyEC:
		return "EC PRIVATE KEY"
	}
	return "PRIVATE KEY"
}

// PEM is the key as Vault's private_key field holds it (no trailing newline).
func (k *PrivateKey) PEM() string {
	return pemString(k.pemType(), k.DER)
}

// PKCS8 is the key as PKCS#8 DER (private_key_format=pkcs8).
func (k *PrivateKey) PKCS8() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: marshal pkcs8: %w", err)
	}
	return der, nil
}

// PKCS8PEM is the key as a "PRIVATE KEY" PEM block.
func (k *PrivateKey) PKCS8PEM() (string, error) {
	der, err := k.PKCS8()
	if err != nil {
		return "", err
	}
	return pemString("PRIVATE KEY", der), nil
}

// Bits is the key size Vault reports: modulus bits (rsa), curve bits (ec),
// 0 (ed25519).
func (k *PrivateKey) Bits() int { return PublicKeyBits(k.Signer.Public()) }

// GenerateKey makes a new key of keyType and keyBits (already normalized;
// see NormalizeKeyParams). RSA below 2048 bits is refused even here, so no
// path can produce a weak key.
func GenerateKey(random io.Reader, keyType string, keyBits int) (*PrivateKey, error) {
	switch keyType {
	case KeyRSA:
		if keyBits < minRSABits {
			return nil, Refusef("RSA keys < %d bits are unsafe and not supported", minRSABits)
		}
		k, err := rsa.GenerateKey(random, keyBits)
		if err != nil {
			return nil, fmt.Errorf("pki: generate rsa key: %w", err)
		}
		return &PrivateKey{Signer: k, Type: KeyRSA, DER: x509.MarshalPKCS1PrivateKey(k)}, nil
	case KeyEC:
		curve, err := curveFor(keyBits)
		if err != nil {
			return nil, err
		}
		k, err := ecdsa.GenerateKey(curve, random)
		if err != nil {
			return nil, fmt.Errorf("pki: generate ec key: %w", err)
		}
		der, err := ecPrivateKeyDER(k)
		if err != nil {
			return nil, fmt.Errorf("pki: marshal ec key: %w", err)
		}
		return &PrivateKey{Signer: k, Type: KeyEC, DER: der}, nil
	case KeyEd25519:
		_, k, err := ed25519.GenerateKey(random)
		if err != nil {
			return nil, fmt.Errorf("pki: generate ed25519 key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("pki: marshal ed25519 key: %w", err)
		}
		return &PrivateKey{Signer: k, Type: KeyEd25519, DER: der}, nil
	}
	return nil, Refusef("unknown key type: %s", keyType)
}

func curveFor(bits int) (elliptic.Curve, error) {
	switch bits {
	case 224:
		return elliptic.P224(), nil
	case 256:
		return elliptic.P256(), nil
	case 384:
		return elliptic.P384(), nil
	case 521:
		return elliptic.P521(), nil
	}
	return nil, Refusef("unsupported bit length for EC key: %d", bits)
}

// WrapSigner describes an existing signer (a stored issuer key) in Vault's
// encoding.
func WrapSigner(s crypto.Signer) (*PrivateKey, error) {
	switch k := s.(type) {
	case *rsa.PrivateKey:
		return &PrivateKey{Signer: k, Type: KeyRSA, DER: x509.MarshalPKCS1PrivateKey(k)}, nil
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("pki: marshal ec key: %w", err)
		}
		return &PrivateKey{Signer: k, Type: KeyEC, DER: der}, nil
	case ed25519.PrivateKey:
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("pki: marshal ed25519 key: %w", err)
		}
		return &PrivateKey{Signer: k, Type: KeyEd25519, DER: der}, nil
	}
	return nil, Refusef("unsupported private key type %T", s)
}

// ParsePrivateKeyDER parses a PKCS#8, PKCS#1 or SEC 1 key.
func ParsePrivateKeyDER(der []byte) (*PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, Refusef("unknown type for parsed PKCS8 Private Key")
		}
		return WrapSigner(s)
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return WrapSigner(k)
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return WrapSigner(k)
	}
	return nil, Refusef("unable to parse private key: not PKCS#8, PKCS#1 or SEC 1")
}

// ParsePrivateKeyPEM parses the first PEM block of s as a private key.
func ParsePrivateKeyPEM(s string) (*PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil || len(block.Bytes) == 0 {
		return nil, Refusef("no data found in PEM block")
	}
	if strings.Contains(block.Type, "ENCRYPTED") {
		return nil, Refusef("Encrypted private key given; provide only decrypted private key in the bundle")
	}
	return ParsePrivateKeyDER(block.Bytes)
}

// PublicKeyBits is the size Vault reports for a public key.
func PublicKeyBits(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	}
	return 0
}

// PublicKeyType is rsa, ec or ed25519, or "" for anything else.
func PublicKeyType(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return KeyRSA
	case *ecdsa.PublicKey:
		return KeyEC
	case ed25519.PublicKey:
		return KeyEd25519
	}
	return ""
}

// PublicKeysEqual reports whether two public keys are the same key.
func PublicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	ea, ok := a.(equaler)
	return ok && ea.Equal(b)
}

// ErrKeyMismatch is matched when a private key is not the one of a
// certificate (revoke-with-key, set-signed).
var ErrKeyMismatch = errors.New("pki: private key does not match certificate")

// KeyMatchesCert checks that signer is the private key of cert, with
// Vault's revoke-with-key messages. An RSA key is validated first, so a
// tampered key is not accepted because its public half matches.
func KeyMatchesCert(signer crypto.Signer, cert *x509.Certificate) error {
	if k, ok := signer.(*rsa.PrivateKey); ok {
		if _, isRSA := cert.PublicKey.(*rsa.PublicKey); isRSA {
			if err := k.Validate(); err != nil {
				return Refusef("error validating integrity of private key: %v", err)
			}
		}
	}
	pub := signer.Public()
	mismatch := refuseAs(ErrKeyMismatch, "provided private key does not match certificate's public key")
	wrongType := Refusef("provided private key type does not match certificate's public key type")
	switch certPub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		p, ok := pub.(*rsa.PublicKey)
		if !ok {
			return wrongType
		}
		if certPub.N.Cmp(p.N) != 0 || certPub.E != p.E {
			return mismatch
		}
	case *ecdsa.PublicKey:
		p, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return wrongType
		}
		if !certPub.Equal(p) {
			return mismatch
		}
	case ed25519.PublicKey:
		p, ok := pub.(ed25519.PublicKey)
		if !ok {
			return wrongType
		}
		if subtle.ConstantTimeCompare(p, certPub) == 0 {
			return mismatch
		}
	default:
		return Refusef("certificate has an unknown public key algorithm; unable to validate provided private key; ask an admin to revoke this certificate instead")
	}
	return nil
}

// pemString encodes one PEM block without its trailing newline, as Vault's
// responses hold PEM.
func pemString(typ string, der []byte) string {
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})))
}
