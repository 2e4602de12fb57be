package transit

import (
	"crypto"
	_ "crypto/sha1" // registers crypto.SHA1
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
)

// hashAlgorithms are the hash_algorithm names Vault accepts. "none" is
// only valid for prehashed PKCS#1 v1.5 signatures.
var hashAlgorithms = map[string]crypto.Hash{
	"sha1":     crypto.SHA1,
	"sha2-224": crypto.SHA224,
	"sha2-256": crypto.SHA256,
	"sha2-384": crypto.SHA384,
	"sha2-512": crypto.SHA512,
	"sha3-224": crypto.SHA3_224,
	"sha3-256": crypto.SHA3_256,
	"sha3-384": crypto.SHA3_384,
	"sha3-512": crypto.SHA3_512,
	"none":     crypto.Hash(0),
}

const defaultHashAlgorithm = "sha2-256"

// digest hashes input with h; hash "none" leaves it as it is.
func digest(h crypto.Hash, input []byte) []byte {
	if h == 0 {
		return input
	}
	hf := h.New()
	hf.Write(input)
	return hf.Sum(nil)
}
