package shamir

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// ParseShare decodes a share as an operator types it: hex (sys/init's
// "keys") or standard base64 ("keys_base64", padded or not). Hex is tried
// first, as Vault does; a hex string of a share's length is never valid
// base64 of the same bytes, so the order only matters for garbage. The error
// never quotes the input, which is secret.
func ParseShare(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrMalformedShare
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, ErrMalformedShare
}

// EncodeShares renders shares the two ways sys/init returns them: hex
// ("keys") and standard base64 ("keys_base64").
func EncodeShares(shares [][]byte) (keys, keysBase64 []string) {
	keys = make([]string, len(shares))
	keysBase64 = make([]string, len(shares))
	for i, s := range shares {
		keys[i] = hex.EncodeToString(s)
		keysBase64[i] = base64.StdEncoding.EncodeToString(s)
	}
	return keys, keysBase64
}
