package token

import (
	"crypto/rand"
	"fmt"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Sizes of generated identifiers, as in Vault.
const (
	randomLength   = 24
	ServicePrefix  = "hvs."
	maxRejectBytes = 256 - 256%len(base62) // bytes >= this would bias the alphabet
)

// randomBase62 returns n characters drawn uniformly from base62.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("token: crypto/rand failed: %v", err))
		}
		for _, c := range buf {
			if int(c) >= maxRejectBytes {
				continue
			}
			out = append(out, base62[int(c)%len(base62)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

// NewToken returns a fresh random service token: "hvs." and 24 base62
// characters (about 143 bits).
func NewToken() string { return ServicePrefix + randomBase62(randomLength) }

// NewAccessor returns a fresh random accessor of 24 base62 characters.
func NewAccessor() string { return randomBase62(randomLength) }
