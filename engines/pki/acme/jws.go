package acme

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// JWK is a public JSON Web Key (RFC 7517) as ACME clients send it.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// PublicKey decodes the key, refusing small RSA moduli and unknown curves.
func (k JWK) PublicKey() (crypto.PublicKey, error) {
	b64 := base64.RawURLEncoding
	switch k.Kty {
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported curve %q", k.Crv)
		}
		x, err1 := b64.DecodeString(k.X)
		y, err2 := b64.DecodeString(k.Y)
		size := (curve.Params().BitSize + 7) / 8
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, errors.New("bad EC key coordinates")
		}
		// Uncompressed point: validated on the curve by ParseUncompressed.
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, fmt.Errorf("bad EC key: %w", err)
		}
		return pub, nil
	case "RSA":
		n, err1 := b64.DecodeString(k.N)
		e, err2 := b64.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA key")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 {
			return nil, errors.New("RSA account keys must have at least 2048 bits")
		}
		return pub, nil
	case "OKP":
		x, err := b64.DecodeString(k.X)
		if k.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("bad OKP key")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("unsupported key type %q", k.Kty)
}

// Thumbprint is the RFC 7638 thumbprint: base64url(SHA-256) of the
// required members in lexical order. It identifies an account key and is
// the second half of every key authorization.
func (k JWK) Thumbprint() string {
	var canon string
	switch k.Kty {
	case "EC":
		canon = fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, k.Crv, k.X, k.Y)
	case "RSA":
		canon = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, k.E, k.N)
	case "OKP":
		canon = fmt.Sprintf(`{"crv":%q,"kty":"OKP","x":%q}`, k.Crv, k.X)
	}
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// jwsHeader is the protected header of an ACME request.
type jwsHeader struct {
	Alg   string          `json:"alg"`
	JWK   json.RawMessage `json:"jwk,omitempty"`
	KID   string          `json:"kid,omitempty"`
	Nonce string          `json:"nonce"`
	URL   string          `json:"url"`
}

// jws is a flattened JWS JSON request body.
type jws struct {
	Protected string `json:"protected"`
	Payload   string `json:"payload"`
	Signature string `json:"signature"`
}

// parsedJWS is a request whose structure is sound, its signature not yet
// checked.
type parsedJWS struct {
	header  jwsHeader
	jwk     *JWK
	payload []byte
	signed  []byte // protected "." payload, as signed
	sig     []byte
}

func parseJWS(body []byte) (*parsedJWS, *Problem) {
	var j jws
	if err := json.Unmarshal(body, &j); err != nil || j.Protected == "" || j.Signature == "" {
		return nil, errMalformed("request is not a flattened JWS")
	}
	b64 := base64.RawURLEncoding
	hdr, err := b64.DecodeString(j.Protected)
	if err != nil {
		return nil, errMalformed("protected header is not base64url")
	}
	out := &parsedJWS{signed: []byte(j.Protected + "." + j.Payload)}
	if err := json.Unmarshal(hdr, &out.header); err != nil {
		return nil, errMalformed("protected header is not JSON")
	}
	if out.payload, err = b64.DecodeString(j.Payload); err != nil {
		return nil, errMalformed("payload is not base64url")
	}
	if out.sig, err = b64.DecodeString(j.Signature); err != nil {
		return nil, errMalformed("signature is not base64url")
	}
	h := out.header
	if h.URL == "" {
		return nil, errMalformed("protected header lacks url")
	}
	if (len(h.JWK) == 0) == (h.KID == "") {
		return nil, errMalformed("protected header must carry exactly one of jwk and kid")
	}
	if len(h.JWK) > 0 {
		out.jwk = new(JWK)
		if err := json.Unmarshal(h.JWK, out.jwk); err != nil {
			return nil, errMalformed("jwk is not a JSON Web Key")
		}
	}
	return out, nil
}

// verify checks the signature with pub under the header's algorithm, which
// must suit the key (RFC 8555 6.2: no "none", no MACs).
func (p *parsedJWS) verify(pub crypto.PublicKey) *Problem {
	alg := p.header.Alg
	bad := errBadSignatureAlgorithm(fmt.Sprintf("algorithm %q does not suit the account key", alg))
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		var h crypto.Hash
		switch {
		case alg == "ES256" && k.Curve == elliptic.P256():
			h = crypto.SHA256
		case alg == "ES384" && k.Curve == elliptic.P384():
			h = crypto.SHA384
		case alg == "ES512" && k.Curve == elliptic.P521():
			h = crypto.SHA512
		default:
			return bad
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(p.sig) != 2*size {
			return errMalformed("bad ECDSA signature length")
		}
		r := new(big.Int).SetBytes(p.sig[:size])
		s := new(big.Int).SetBytes(p.sig[size:])
		if !ecdsa.Verify(k, digest(h, p.signed), r, s) {
			return errMalformed("JWS signature is invalid")
		}
	case *rsa.PublicKey:
		if alg != "RS256" {
			return bad
		}
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest(crypto.SHA256, p.signed), p.sig) != nil {
			return errMalformed("JWS signature is invalid")
		}
	case ed25519.PublicKey:
		if alg != "EdDSA" {
			return bad
		}
		if !ed25519.Verify(k, p.signed, p.sig) {
			return errMalformed("JWS signature is invalid")
		}
	default:
		return bad
	}
	return nil
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(msg)
		return s[:]
	}
	s := sha256.Sum256(msg)
	return s[:]
}
