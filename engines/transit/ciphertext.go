package transit

import (
	"strconv"
	"strings"
)

// The versioned format Vault uses for ciphertexts, signatures and HMACs:
// "vault:v<version>:<base64>".
const vaultPrefix = "vault:v"

// splitVersioned parses a versioned value; what ("ciphertext",
// "signature") names it in Vault's error messages.
func splitVersioned(value, what string) (int, string, error) {
	rest, ok := strings.CutPrefix(value, vaultPrefix)
	if !ok {
		return 0, "", userErrorf("invalid %s: no prefix", what)
	}
	verStr, body, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", userErrorf("invalid %s: wrong number of fields", what)
	}
	ver, err := strconv.Atoi(verStr)
	// Only the canonical decimal form: "v-1", "v+1" or "v01" would name a
	// version by a string no encryption ever wrote (found by
	// FuzzSplitVersioned).
	if err != nil || ver < 0 || strconv.Itoa(ver) != verStr {
		return 0, "", userErrorf("invalid %s: version number could not be decoded", what)
	}
	return ver, body, nil
}
