package approle

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// MaxHMACInputLength bounds role names and secret IDs, as Vault's.
const MaxHMACInputLength = 4096

// NewUUID returns a random (version 4) UUID: role IDs, secret IDs and
// accessors are made this way, as Vault makes them.
func NewUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("approle: random: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// NewHMACKey returns a role's random HMAC key (hex of 32 bytes).
func NewHMACKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("approle: random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// HMAC is the hex HMAC-SHA256 of value under key: the stored form of a
// secret ID.
func HMAC(key, value string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("approle: invalid HMAC key")
	}
	if len(value) > MaxHMACInputLength {
		return "", fmt.Errorf("value is longer than maximum of %d bytes", MaxHMACInputLength)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)), nil
}
