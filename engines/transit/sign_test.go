package transit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/sha3"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/transitstore"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// useKnownEd25519 replaces the cached opened key name by one whose version
// 1 is the RFC 8032 secret key seed, so the sign path runs unchanged on a
// key with a published answer.
func (e *env) useKnownEd25519(name string, seed []byte) {
	e.t.Helper()
	k, err := transitstore.Get(e.store, testMount, name)
	require.NoError(e.t, err)
	kr, err := newKeyring(k, map[int]cmdtransit.Material{1: {Key: ed25519.NewKeyFromSeed(seed), HMACKey: make([]byte, 32)}})
	require.NoError(e.t, err)
	e.b.cache.store(name, kr, e.b.cache.generation())
}

// TestEd25519KnownAnswers signs RFC 8032 section 7.1 and 7.3 test vectors
// through the sign endpoint.
func TestEd25519KnownAnswers(t *testing.T) {
	e := newEnv(t)
	e.write("keys/ed", map[string]any{"type": "ed25519"})
	vectors := []struct{ seed, msg, sig string }{
		{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "af82",
			"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	}
	for _, v := range vectors {
		e.useKnownEd25519("ed", mustHex(t, v.seed))
		input := base64.StdEncoding.EncodeToString(mustHex(t, v.msg))
		sig := e.write("sign/ed", map[string]any{"input": input})
		assert.Equal(t, "vault:v1:"+base64.StdEncoding.EncodeToString(mustHex(t, v.sig)), sig["signature"])
		assert.Equal(t, true, e.write("verify/ed", map[string]any{"input": input, "signature": sig["signature"]})["valid"])
	}

	// Ed25519ph, RFC 8032 section 7.3: the input is SHA-512("abc").
	e.useKnownEd25519("ed", mustHex(t, "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"))
	digest := sha512.Sum512([]byte("abc"))
	req := map[string]any{"input": base64.StdEncoding.EncodeToString(digest[:]), "prehashed": true, "hash_algorithm": "sha2-512"}
	sig := e.write("sign/ed", req)
	assert.Equal(t, "vault:v1:"+base64.StdEncoding.EncodeToString(mustHex(t,
		"98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406")), sig["signature"])
	req["signature"] = sig["signature"]
	assert.Equal(t, true, e.write("verify/ed", req)["valid"])
}

func publicKeyOf(t testing.TB, e *env, name string, v string) any {
	t.Helper()
	k := e.read("keys/" + name)["keys"].(map[string]map[string]any)[v]
	block, _ := pem.Decode([]byte(k["public_key"].(string)))
	require.NotNil(t, block)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	return pub
}

func sigBytes(t testing.TB, sig any, enc *base64.Encoding) []byte {
	t.Helper()
	_, body, err := splitVersioned(sig.(string), "signature")
	require.NoError(t, err)
	raw, err := enc.DecodeString(body)
	require.NoError(t, err)
	return raw
}

// TestECDSASignaturesVerifyWithStdlib checks our ECDSA signatures with
// crypto/ecdsa and the public key from the key read, in both encodings.
func TestECDSASignaturesVerifyWithStdlib(t *testing.T) {
	e := newEnv(t)
	msg := []byte("coffer signs this")
	for _, tt := range []struct {
		typ  string
		hash string
		sum  func([]byte) []byte
	}{
		{"ecdsa-p256", "sha2-256", func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }},
		{"ecdsa-p384", "sha2-384", func(b []byte) []byte { s := sha512.Sum384(b); return s[:] }},
		{"ecdsa-p521", "sha3-512", func(b []byte) []byte { s := sha3.Sum512(b); return s[:] }},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			e.write("keys/"+tt.typ, map[string]any{"type": tt.typ})
			pub := publicKeyOf(t, e, tt.typ, "1").(*ecdsa.PublicKey)
			input := base64.StdEncoding.EncodeToString(msg)

			sig := e.write("sign/"+tt.typ+"/"+tt.hash, map[string]any{"input": input})
			assert.Equal(t, 1, sig["key_version"])
			assert.True(t, ecdsa.VerifyASN1(pub, tt.sum(msg), sigBytes(t, sig["signature"], base64.StdEncoding)))

			jws := e.write("sign/"+tt.typ, map[string]any{"input": input, "hash_algorithm": tt.hash, "marshaling_algorithm": "jws"})
			raw := sigBytes(t, jws["signature"], base64.RawURLEncoding)
			n := (pub.Curve.Params().BitSize + 7) / 8
			require.Len(t, raw, 2*n)
			assert.True(t, ecdsa.Verify(pub, tt.sum(msg), new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])))

			ok := e.write("verify/"+tt.typ, map[string]any{"input": input, "signature": sig["signature"], "hash_algorithm": tt.hash})
			assert.Equal(t, true, ok["valid"])
			bad := e.write("verify/"+tt.typ, map[string]any{"input": b64("other"), "signature": sig["signature"], "hash_algorithm": tt.hash})
			assert.Equal(t, false, bad["valid"])

			// Prehashed input is signed as given.
			pre := e.write("sign/"+tt.typ, map[string]any{"input": base64.StdEncoding.EncodeToString(tt.sum(msg)), "prehashed": true})
			assert.True(t, ecdsa.VerifyASN1(pub, tt.sum(msg), sigBytes(t, pre["signature"], base64.StdEncoding)))
		})
	}
	// A well-formed DER signature with trailing bytes is refused.
	sig := e.write("sign/ecdsa-p256", map[string]any{"input": b64("x")})["signature"].(string)
	extra := append(sigBytes(t, sig, base64.StdEncoding), 0)
	status, msg2 := e.fail(framework.UpdateOperation, "verify/ecdsa-p256", map[string]any{"input": b64("x"), "signature": "vault:v1:" + base64.StdEncoding.EncodeToString(extra)})
	assert.Equal(t, 400, status)
	assert.Equal(t, "supplied signature contains extra data", msg2)
}

// TestRSASignaturesVerifyWithStdlib checks RSA-PSS and PKCS#1 v1.5
// signatures with crypto/rsa.
func TestRSASignaturesVerifyWithStdlib(t *testing.T) {
	e := newEnv(t)
	e.write("keys/rsa", map[string]any{"type": "rsa-2048"})
	pub := publicKeyOf(t, e, "rsa", "1").(*rsa.PublicKey)
	msg := []byte("pay 10 EUR to bob")
	sum := sha256.Sum256(msg)
	input := base64.StdEncoding.EncodeToString(msg)

	pss := e.write("sign/rsa", map[string]any{"input": input})
	require.NoError(t, rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sigBytes(t, pss["signature"], base64.StdEncoding), nil), "pss is the default")

	hashSalt := e.write("sign/rsa", map[string]any{"input": input, "salt_length": "hash"})
	require.NoError(t, rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sigBytes(t, hashSalt["signature"], base64.StdEncoding), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}))

	pkcs := e.write("sign/rsa", map[string]any{"input": input, "signature_algorithm": "pkcs1v15"})
	require.NoError(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sigBytes(t, pkcs["signature"], base64.StdEncoding)))

	sum512 := sha512.Sum512(msg)
	s512 := e.write("sign/rsa/sha2-512", map[string]any{"input": input})
	require.NoError(t, rsa.VerifyPSS(pub, crypto.SHA512, sum512[:], sigBytes(t, s512["signature"], base64.StdEncoding), nil))

	for _, tt := range []struct {
		sig  any
		data map[string]any
	}{
		{pss["signature"], map[string]any{}},
		{pkcs["signature"], map[string]any{"signature_algorithm": "pkcs1v15"}},
		{s512["signature"], map[string]any{"hash_algorithm": "sha2-512"}},
	} {
		tt.data["input"], tt.data["signature"] = input, tt.sig
		assert.Equal(t, true, e.write("verify/rsa", tt.data)["valid"])
	}
	assert.Equal(t, false, e.write("verify/rsa", map[string]any{"input": input, "signature": pkcs["signature"]})["valid"], "a PKCS#1 v1.5 signature is no PSS signature")

	status, msg2 := e.fail(framework.UpdateOperation, "sign/rsa", map[string]any{"input": input, "hash_algorithm": "none"})
	assert.Equal(t, 400, status)
	assert.Equal(t, "hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15", msg2)
	status, msg2 = e.fail(framework.UpdateOperation, "sign/rsa", map[string]any{"input": input, "hash_algorithm": "md5"})
	assert.Equal(t, 400, status)
	assert.Equal(t, `invalid hash algorithm "md5"`, msg2)

	// RSA keys encrypt too (OAEP with SHA-256, as Vault).
	ct := e.write("encrypt/rsa", map[string]any{"plaintext": b64("short secret")})
	assert.Equal(t, "short secret", unb64(t, e.write("decrypt/rsa", map[string]any{"ciphertext": ct["ciphertext"]})["plaintext"]))
}

func TestSignBadInput(t *testing.T) {
	e := newEnv(t)
	e.write("keys/aes", nil)
	e.write("keys/ed", map[string]any{"type": "ed25519"})
	sig := e.write("sign/ed", map[string]any{"input": b64("m")})["signature"].(string)
	tests := []struct {
		name, path string
		data       map[string]any
		msg        string
	}{
		{"symmetric key", "sign/aes", map[string]any{"input": b64("m")}, "key type aes256-gcm96 does not support signing"},
		{"missing key", "sign/nope", map[string]any{"input": b64("m")}, "signing key not found"},
		{"bad input", "sign/ed", map[string]any{"input": "***"}, "unable to decode input as base64: illegal base64 data at input byte 0"},
		{"version too new", "sign/ed", map[string]any{"input": b64("m"), "key_version": 2}, "requested version for signing is higher than the latest key version"},
		{"ed25519ph needs sha2-512", "sign/ed", map[string]any{"input": b64("m"), "prehashed": true}, "prehashed ed25519 (Ed25519ph) needs hash_algorithm=sha2-512 and a 64-byte SHA-512 digest as input"},
		{"nothing to verify", "verify/ed", map[string]any{"input": b64("m")}, "neither a 'signature' nor an 'hmac' were given to verify"},
		{"both to verify", "verify/ed", map[string]any{"input": b64("m"), "signature": sig, "hmac": "vault:v1:AA=="}, "provide one of 'signature' or 'hmac'"},
		{"signature prefix", "verify/ed", map[string]any{"input": b64("m"), "signature": "v1:" + sig}, "invalid signature: no prefix"},
		{"signature version", "verify/ed", map[string]any{"input": b64("m"), "signature": "vault:v3:AAAA"}, "invalid signature: version is too new"},
		{"signature base64", "verify/ed", map[string]any{"input": b64("m"), "signature": "vault:v1:@@"}, "invalid base64 signature value"},
		{"bad marshaling", "sign/ed", map[string]any{"input": b64("m"), "marshaling_algorithm": "der"}, `invalid marshaling type "der"`},
		{"mixed batch", "verify/ed", map[string]any{"batch_input": []any{
			map[string]any{"input": b64("m"), "signature": sig}, map[string]any{"input": b64("m"), "hmac": "vault:v1:AA=="},
		}}, "elements of batch_input must all provide 'signature' or all provide 'hmac'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := e.fail(framework.UpdateOperation, tt.path, tt.data)
			assert.Equal(t, 400, status)
			assert.Equal(t, tt.msg, msg)
		})
	}
	resp, err := e.call(framework.UpdateOperation, "verify/ed", map[string]any{"batch_input": []any{
		map[string]any{"input": b64("m"), "signature": sig, "reference": "a"},
		map[string]any{"input": b64("n"), "signature": sig, "reference": "b"},
		map[string]any{"input": b64("m"), "signature": "vault:v1:!!", "reference": "c"},
	}})
	require.NoError(t, err)
	res := resp.Data["batch_results"].([]map[string]any)
	assert.Equal(t, true, res[0]["valid"])
	assert.Equal(t, false, res[1]["valid"])
	assert.Equal(t, "invalid base64 signature value", res[2]["error"])
	assert.Equal(t, "c", res[2]["reference"])
}

func TestDerivedEd25519(t *testing.T) {
	e := newEnv(t)
	e.write("keys/ded", map[string]any{"type": "ed25519", "derived": true})
	ctx := b64("device-7")
	sig := e.write("sign/ded", map[string]any{"input": b64("m"), "context": ctx})
	pubB64 := sig["public_key"].(string)
	pub, err := base64.StdEncoding.DecodeString(pubB64)
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(pub, []byte("m"), sigBytes(t, sig["signature"], base64.StdEncoding)))

	k := e.write("keys/ded", nil) // existing: warns, returns the key
	assert.Equal(t, "", k["keys"].(map[string]map[string]any)["1"]["public_key"], "no context, no derived public key")
	resp, err := e.call(framework.ReadOperation, "keys/ded", map[string]any{"context": ctx})
	require.NoError(t, err)
	assert.Equal(t, pubB64, resp.Data["keys"].(map[string]map[string]any)["1"]["public_key"])

	assert.Equal(t, true, e.write("verify/ded", map[string]any{"input": b64("m"), "context": ctx, "signature": sig["signature"]})["valid"])
	assert.Equal(t, false, e.write("verify/ded", map[string]any{"input": b64("m"), "context": b64("device-8"), "signature": sig["signature"]})["valid"])
	status, msg := e.fail(framework.UpdateOperation, "sign/ded", map[string]any{"input": b64("m")})
	assert.Equal(t, 400, status)
	assert.Equal(t, errMissingContext, msg)
}

// TestHMACMatchesCryptoHMAC compares the hmac endpoint with crypto/hmac
// under the exported HMAC key.
func TestHMACMatchesCryptoHMAC(t *testing.T) {
	e := newEnv(t)
	e.write("keys/mac", map[string]any{"type": "hmac", "key_size": 48, "exportable": true})
	e.write("keys/aes", map[string]any{"exportable": true})
	msg := []byte("message to authenticate")
	for _, name := range []string{"mac", "aes"} {
		key := e.exportedKey("hmac-key", name, 1)
		if name == "mac" {
			assert.Len(t, key, 48)
		}
		for alg, h := range map[string]func() []byte{
			"sha2-256": func() []byte { m := hmac.New(sha256.New, key); m.Write(msg); return m.Sum(nil) },
			"sha2-512": func() []byte { m := hmac.New(sha512.New, key); m.Write(msg); return m.Sum(nil) },
			"sha3-256": func() []byte { m := hmac.New(sha3.New256, key); m.Write(msg); return m.Sum(nil) },
		} {
			got := e.write("hmac/"+name+"/"+alg, map[string]any{"input": base64.StdEncoding.EncodeToString(msg)})["hmac"]
			assert.Equal(t, "vault:v1:"+base64.StdEncoding.EncodeToString(h()), got, "%s %s", name, alg)
			ok := e.write("verify/"+name+"/"+alg, map[string]any{"input": base64.StdEncoding.EncodeToString(msg), "hmac": got})
			assert.Equal(t, true, ok["valid"])
			ok = e.write("verify/"+name, map[string]any{"input": b64("tampered"), "hmac": got, "algorithm": alg})
			assert.Equal(t, false, ok["valid"])
		}
	}
	status, msg2 := e.fail(framework.UpdateOperation, "hmac/mac", map[string]any{"input": b64("x"), "algorithm": "md5"})
	assert.Equal(t, 400, status)
	assert.Equal(t, `unsupported algorithm "md5"`, msg2)
	status, msg2 = e.fail(framework.UpdateOperation, "hmac/mac", map[string]any{})
	assert.Equal(t, 400, status)
	assert.Equal(t, "missing input for HMAC", msg2)
	k := e.read("keys/mac")
	assert.Equal(t, 48, k["key_size"])
	assert.Equal(t, false, k["supports_signing"])
}
