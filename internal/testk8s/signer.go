package testk8s

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultIssuer is the issuer a kubeadm cluster puts in projected tokens.
const DefaultIssuer = "https://kubernetes.default.svc.cluster.local"

// LegacyIssuer is the issuer of secret-based (pre-1.21) tokens.
const LegacyIssuer = "kubernetes/serviceaccount"

// Signer mints service-account JWTs with one key.
type Signer struct {
	alg jose.SignatureAlgorithm
	key crypto.Signer
	kid string
}

// NewRSASigner returns an RS256 signer with a fresh 2048-bit key.
func NewRSASigner(t testing.TB) *Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{alg: jose.RS256, key: k, kid: randomID()}
}

// NewECDSASigner returns an ES256 signer with a fresh P-256 key.
func NewECDSASigner(t testing.TB) *Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{alg: jose.ES256, key: k, kid: randomID()}
}

// Algorithm is "RS256" or "ES256".
func (s *Signer) Algorithm() string { return string(s.alg) }

// PublicKey is the verification key.
func (s *Signer) PublicKey() crypto.PublicKey { return s.key.Public() }

// PublicKeyPEM is the verification key as a PKIX "PUBLIC KEY" PEM block,
// the form `pem_keys` takes.
func (s *Signer) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(s.key.Public())
	if err != nil {
		panic(err) // only RSA and ECDSA keys are made here
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// ObjectRef names a pod or service account inside a token.
type ObjectRef struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// Claims are the parts of a service-account token. Zero times are taken
// as "now" (IssuedAt, NotBefore) and "now + 1h" (Expiry); set Expiry to a
// past time for an expired token. Legacy tokens carry no times.
type Claims struct {
	Issuer    string
	Audience  []string
	Namespace string
	Name      string
	UID       string
	Pod       *ObjectRef
	IssuedAt  time.Time
	NotBefore time.Time
	Expiry    time.Time
	// Legacy selects the secret-based claims layout, with SecretName.
	Legacy     bool
	SecretName string
	// Extra claims are added as they are (e.g. to test odd tokens).
	Extra map[string]any
}

// Map renders the claims as the apiserver's token generator does.
func (c Claims) Map() map[string]any {
	sub := fmt.Sprintf("system:serviceaccount:%s:%s", c.Namespace, c.Name)
	var m map[string]any
	if c.Legacy {
		iss := c.Issuer
		if iss == "" {
			iss = LegacyIssuer
		}
		m = map[string]any{
			"iss":                                    iss,
			"sub":                                    sub,
			"kubernetes.io/serviceaccount/namespace": c.Namespace,
			"kubernetes.io/serviceaccount/secret.name":          c.SecretName,
			"kubernetes.io/serviceaccount/service-account.name": c.Name,
			"kubernetes.io/serviceaccount/service-account.uid":  c.UID,
		}
	} else {
		now := time.Now()
		iat, nbf, exp := c.IssuedAt, c.NotBefore, c.Expiry
		if iat.IsZero() {
			iat = now
		}
		if nbf.IsZero() {
			nbf = iat
		}
		if exp.IsZero() {
			exp = iat.Add(time.Hour)
		}
		iss := c.Issuer
		if iss == "" {
			iss = DefaultIssuer
		}
		aud := c.Audience
		if aud == nil {
			aud = []string{DefaultIssuer}
		}
		k8s := map[string]any{
			"namespace":      c.Namespace,
			"serviceaccount": ObjectRef{Name: c.Name, UID: c.UID},
		}
		if c.Pod != nil {
			k8s["pod"] = *c.Pod
		}
		m = map[string]any{
			"iss":           iss,
			"sub":           sub,
			"aud":           aud,
			"iat":           iat.Unix(),
			"nbf":           nbf.Unix(),
			"exp":           exp.Unix(),
			"jti":           randomID(),
			"kubernetes.io": k8s,
		}
	}
	for k, v := range c.Extra {
		m[k] = v
	}
	return m
}

// Sign mints a signed token.
func (s *Signer) Sign(c Claims) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: s.alg, Key: s.key}, opts)
	if err != nil {
		return "", fmt.Errorf("testk8s: signer: %w", err)
	}
	tok, err := jwt.Signed(sig).Claims(c.Map()).Serialize()
	if err != nil {
		return "", fmt.Errorf("testk8s: sign: %w", err)
	}
	return tok, nil
}

// MustSign mints a signed token or fails the test.
func (s *Signer) MustSign(t testing.TB, c Claims) string {
	t.Helper()
	tok, err := s.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Unsigned builds the token with alg "none" and an empty signature.
func Unsigned(c Claims) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	b, _ := json.Marshal(c.Map())
	return enc.EncodeToString(h) + "." + enc.EncodeToString(b) + "."
}

func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
