package transit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"math/big"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
)

// signOptions are the request's signing parameters.
type signOptions struct {
	hash         crypto.Hash
	prehashed    bool
	sigAlgorithm string // "pss" (default) or "pkcs1v15"; RSA only
	marshaling   string // "asn1" or "jws"
	saltLength   int    // rsa.PSSSaltLengthAuto, PSSSaltLengthEqualsHash or a length
}

const (
	marshalingASN1 = "asn1"
	marshalingJWS  = "jws"
)

type ecdsaSignature struct{ R, S *big.Int }

func (o signOptions) encoding() *base64.Encoding {
	if o.marshaling == marshalingJWS {
		return base64.RawURLEncoding
	}
	return base64.StdEncoding
}

// signVersion maps key_version (0: latest) to the version that signs.
func (kr *keyring) signVersion(ver int) (int, error) {
	k := kr.key
	switch {
	case ver == 0:
		return k.LatestVersion, nil
	case ver < 0:
		return 0, userErrorf("requested version for signing is negative")
	case ver > k.LatestVersion:
		return 0, userErrorf("requested version for signing is higher than the latest key version")
	case k.MinEncryptionVersion > 0 && ver < k.MinEncryptionVersion:
		return 0, userErrorf("requested version for signing is less than the minimum encryption key version")
	}
	return ver, nil
}

// ed25519Key is the version's signing key, derived from context for
// derived keys: the HKDF output seeds the key, as Vault derives it.
func (kr *keyring) ed25519Key(v *keyVersion, context []byte) (ed25519.PrivateKey, error) {
	if !kr.key.Derived {
		return v.ed, nil
	}
	seed, err := deriveKey(v.material.Key, context, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// sign returns the "vault:v<N>:" signature of input, the derived public
// key (derived Ed25519 keys only) and the version used. input is hashed
// here for ECDSA and RSA unless prehashed.
func (kr *keyring) sign(ver int, context, input []byte, o signOptions) (string, []byte, int, error) {
	if !kr.kt.SigningSupported() {
		return "", nil, 0, userErrorf("key type %s does not support signing", kr.kt)
	}
	ver, err := kr.signVersion(ver)
	if err != nil {
		return "", nil, 0, err
	}
	v, err := kr.version(ver)
	if err != nil {
		return "", nil, 0, err
	}
	if kr.kt.HashSignatureInput() && !o.prehashed {
		input = digest(o.hash, input)
	}
	var sig, pub []byte
	switch {
	case kr.kt.IsECDSA():
		sig, err = signECDSA(v.ec, input, o.marshaling)
	case kr.kt == cmdtransit.Ed25519:
		var key ed25519.PrivateKey
		if key, err = kr.ed25519Key(v, context); err != nil {
			return "", nil, 0, err
		}
		if kr.key.Derived {
			pub = key.Public().(ed25519.PublicKey)
		}
		sig, err = signEd25519(key, input, o)
	default:
		sig, err = signRSA(v.rsa, input, o)
	}
	if err != nil {
		return "", nil, 0, err
	}
	return v.prefix + o.encoding().EncodeToString(sig), pub, ver, nil
}

func signECDSA(key *ecdsa.PrivateKey, digest []byte, marshaling string) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		return nil, err
	}
	if marshaling == marshalingJWS {
		// JWS (RFC 7518 3.4): R and S as fixed-size big-endian integers.
		n := (key.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*n)
		r.FillBytes(out[:n])
		s.FillBytes(out[n:])
		return out, nil
	}
	return asn1.Marshal(ecdsaSignature{R: r, S: s})
}

// ed25519Options picks pure Ed25519, or Ed25519ph (RFC 8032 5.1) when
// the input is a SHA-512 digest.
func ed25519Options(input []byte, o signOptions) (*ed25519.Options, error) {
	if !o.prehashed {
		return &ed25519.Options{}, nil
	}
	if o.hash != crypto.SHA512 || len(input) != crypto.SHA512.Size() {
		return nil, userErrorf("prehashed ed25519 (Ed25519ph) needs hash_algorithm=sha2-512 and a 64-byte SHA-512 digest as input")
	}
	return &ed25519.Options{Hash: crypto.SHA512}, nil
}

func signEd25519(key ed25519.PrivateKey, input []byte, o signOptions) ([]byte, error) {
	opts, err := ed25519Options(input, o)
	if err != nil {
		return nil, err
	}
	return key.Sign(nil, input, opts)
}

// validPSSSaltLength bounds the salt length as Vault does.
func validPSSSaltLength(key *rsa.PublicKey, h crypto.Hash, salt int) bool {
	maxSalt := (key.N.BitLen()-1+7)/8 - 2 - h.Size()
	return salt >= rsa.PSSSaltLengthEqualsHash && salt <= maxSalt
}

func rsaAlgorithm(o signOptions) (string, error) {
	switch o.sigAlgorithm {
	case "", "pss":
		return "pss", nil
	case "pkcs1v15":
		return "pkcs1v15", nil
	}
	return "", userErrorf("unsupported rsa signature algorithm %s", o.sigAlgorithm)
}

func signRSA(key *rsa.PrivateKey, digest []byte, o signOptions) ([]byte, error) {
	alg, err := rsaAlgorithm(o)
	if err != nil {
		return nil, err
	}
	var sig []byte
	if alg == "pss" {
		if !validPSSSaltLength(&key.PublicKey, o.hash, o.saltLength) {
			return nil, userErrorf("requested salt length %d is invalid", o.saltLength)
		}
		sig, err = rsa.SignPSS(rand.Reader, key, o.hash, digest, &rsa.PSSOptions{SaltLength: o.saltLength})
	} else {
		sig, err = rsa.SignPKCS1v15(nil, key, o.hash, digest)
	}
	if err != nil {
		// Wrong digest length for the hash and the like: the input's fault.
		return nil, userErrorf("%v", err)
	}
	return sig, nil
}

// verify checks a "vault:v<N>:" signature of input.
func (kr *keyring) verify(context, input []byte, signature string, o signOptions) (bool, error) {
	if !kr.kt.SigningSupported() {
		return false, userErrorf("key type %s does not support verification", kr.kt)
	}
	ver, body, err := splitVersioned(signature, "signature")
	if err != nil {
		return false, err
	}
	if ver > kr.key.LatestVersion {
		return false, userErrorf("invalid signature: version is too new")
	}
	if kr.key.MinDecryptionVersion > 0 && ver < kr.key.MinDecryptionVersion {
		return false, userErrorf(errTooOld)
	}
	sig, err := o.encoding().DecodeString(body)
	if err != nil {
		return false, userErrorf("invalid base64 signature value")
	}
	v, err := kr.version(ver)
	if err != nil {
		return false, err
	}
	if kr.kt.HashSignatureInput() && !o.prehashed {
		input = digest(o.hash, input)
	}
	switch {
	case kr.kt.IsECDSA():
		return verifyECDSA(&v.ec.PublicKey, input, sig, o.marshaling)
	case kr.kt == cmdtransit.Ed25519:
		key, err := kr.ed25519Key(v, context)
		if err != nil {
			return false, err
		}
		opts, err := ed25519Options(input, o)
		if err != nil {
			return false, err
		}
		return ed25519.VerifyWithOptions(key.Public().(ed25519.PublicKey), input, sig, opts) == nil, nil
	default:
		alg, err := rsaAlgorithm(o)
		if err != nil {
			return false, err
		}
		if alg == "pss" {
			if !validPSSSaltLength(&v.rsa.PublicKey, o.hash, o.saltLength) {
				return false, userErrorf("requested salt length %d is invalid", o.saltLength)
			}
			return rsa.VerifyPSS(&v.rsa.PublicKey, o.hash, input, sig, &rsa.PSSOptions{SaltLength: o.saltLength}) == nil, nil
		}
		return rsa.VerifyPKCS1v15(&v.rsa.PublicKey, o.hash, input, sig) == nil, nil
	}
}

func verifyECDSA(pub *ecdsa.PublicKey, digest, sig []byte, marshaling string) (bool, error) {
	var es ecdsaSignature
	if marshaling == marshalingJWS {
		if len(sig) == 0 || len(sig)%2 != 0 {
			return false, userErrorf("supplied signature is invalid")
		}
		half := len(sig) / 2
		es.R = new(big.Int).SetBytes(sig[:half])
		es.S = new(big.Int).SetBytes(sig[half:])
	} else {
		rest, err := asn1.Unmarshal(sig, &es)
		if err != nil {
			return false, userErrorf("supplied signature is invalid")
		}
		if len(rest) != 0 {
			return false, userErrorf("supplied signature contains extra data")
		}
	}
	return ecdsa.Verify(pub, digest, es.R, es.S), nil
}
