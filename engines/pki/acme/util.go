package acme

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// randomID is 128 random bits, base64url: object ids and challenge tokens
// (RFC 8555 8.1 asks tokens for at least 128 bits of entropy).
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
