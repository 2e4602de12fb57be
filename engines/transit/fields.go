package transit

import "github.com/cofferhq/coffer/engines/framework"

// Field declarations of the transit paths (Vault's descriptions, shortened
// where they say more than Coffer does).
func fieldsOf(names ...string) map[string]*framework.FieldSchema {
	out := make(map[string]*framework.FieldSchema, len(names))
	for _, n := range names {
		f, ok := transitFields[n]
		if !ok {
			panic("transit: undeclared field " + n)
		}
		out[n] = f
	}
	return out
}

var transitFields = map[string]*framework.FieldSchema{
	"name":                          {Type: framework.TypeString, Description: "Name of the key"},
	"type":                          {Type: framework.TypeString, Description: "The type of key to create (aes256-gcm96 by default; aes128-gcm96, chacha20-poly1305, ed25519, ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa-2048, rsa-3072, rsa-4096, hmac)"},
	"derived":                       {Type: framework.TypeBool, Description: "Enables key derivation: a context must be provided with every encryption and decryption."},
	"convergent_encryption":         {Type: framework.TypeBool, Description: "Whether to support convergent encryption (derived keys only)."},
	"convergent_version":            {Type: framework.TypeInt, Description: "Coffer extension: the convergent nonce scheme, 4 (default: the nonce covers plaintext and associated data) or 3 (Vault's: plaintext only)."},
	"exportable":                    {Type: framework.TypeBool, Description: "Enables keys to be exportable."},
	"allow_plaintext_backup":        {Type: framework.TypeBool, Description: "Enables taking a backup of the named key in plaintext format (not supported: no backup endpoint)."},
	"auto_rotate_period":            {Type: framework.TypeDurationSecond, Description: "Amount of time the key should live before being automatically rotated; 0 disables."},
	"key_size":                      {Type: framework.TypeInt, Description: "The key size in bytes for the HMAC key type."},
	"context":                       {Type: framework.TypeString, Description: "Base64 encoded context for key derivation."},
	"min_decryption_version":        {Type: framework.TypeInt, Description: "The minimum version of the key allowed to be used for decryption."},
	"min_encryption_version":        {Type: framework.TypeInt, Description: "The minimum version of the key allowed to be used for encryption (0: the latest)."},
	"deletion_allowed":              {Type: framework.TypeBool, Description: "Whether to allow deletion of the key."},
	"min_available_version":         {Type: framework.TypeInt, Description: "The minimum available version for the key ring: versions below are erased."},
	"plaintext":                     {Type: framework.TypeString, Description: "Base64 encoded plaintext value to be encrypted."},
	"ciphertext":                    {Type: framework.TypeString, Description: "The ciphertext to decrypt or rewrap."},
	"nonce":                         {Type: framework.TypeString, Description: "Base64 encoded nonce value for convergent encryption (version 1 keys only)."},
	"key_version":                   {Type: framework.TypeInt, Description: "The version of the key to use; 0 or unset uses the latest."},
	"associated_data":               {Type: framework.TypeString, Description: "Base64 encoded associated data (AEAD key types)."},
	"batch_input":                   {Type: framework.TypeSlice, Description: "A list of items to process in one request, each with the fields of a single one."},
	"partial_failure_response_code": {Type: framework.TypeInt, Description: "The HTTP status of a batch in which some items failed (400 or 500 by default)."},
	"bits":                          {Type: framework.TypeInt, Description: "Number of bits for the key: 128, 256 or 512 (default 256)."},
	"format":                        {Type: framework.TypeString, Description: "Encoding of the output: hex or base64 (default base64)."},
	"input":                         {Type: framework.TypeString, Description: "The base64-encoded input data."},
	"algorithm":                     {Type: framework.TypeString, Description: "Deprecated name of the hash algorithm; use hash_algorithm."},
	"hash_algorithm":                {Type: framework.TypeString, Description: "Hash algorithm to use: sha1, sha2-224, sha2-256 (default), sha2-384, sha2-512, sha3-224, sha3-256, sha3-384, sha3-512, none."},
	"signature":                     {Type: framework.TypeString, Description: "The signature to verify."},
	"hmac":                          {Type: framework.TypeString, Description: "The HMAC to verify instead of a signature."},
	"prehashed":                     {Type: framework.TypeBool, Description: "Set to true when the input is already hashed."},
	"signature_algorithm":           {Type: framework.TypeString, Description: "The RSA signature algorithm: pss (default) or pkcs1v15."},
	"marshaling_algorithm":          {Type: framework.TypeString, Description: "The way in which the ECDSA signature is marshaled: asn1 (default) or jws."},
	"salt_length":                   {Type: framework.TypeString, Description: "The salt length of PSS signatures: auto, hash or a number of bytes."},
	"bytes":                         {Type: framework.TypeInt, Description: "The number of random bytes to generate (default 32)."},
	"urlalgorithm":                  {Type: framework.TypeString, Description: "The algorithm, in the URL."},
}
