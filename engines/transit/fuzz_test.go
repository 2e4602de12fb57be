package transit

import (
	"strconv"
	"testing"
)

// FuzzSplitVersioned: the parser of "vault:v<N>:<body>" ciphertexts,
// signatures and HMACs never panics, accepts only a canonical,
// non-negative version, and what it accepts is exactly prefix, version
// and body.
func FuzzSplitVersioned(f *testing.F) {
	for _, s := range []string{
		"vault:v1:abc", "vault:v0:", "vault:v-1:abc", "vault:v+1:abc", "vault:v01:abc", "vault:v:abc",
		"vault:v1", "vault:v99999999999999999999:x", "vault:v2:a:b", "vault:", "", "vault:v1:" + "A==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		ver, body, err := splitVersioned(value, "ciphertext")
		if err != nil {
			return
		}
		if ver < 0 {
			t.Fatalf("splitVersioned(%q) accepted version %d", value, ver)
		}
		if got := vaultPrefix + strconv.Itoa(ver) + ":" + body; got != value {
			t.Fatalf("splitVersioned(%q) = %d, %q: not the value's own parts", value, ver, body)
		}
	})
}
