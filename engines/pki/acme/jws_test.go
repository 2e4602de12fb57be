package acme

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"testing"
	"time"

	xacme "golang.org/x/crypto/acme"
)

func jwkOf(t *testing.T, pub crypto.PublicKey) JWK {
	t.Helper()
	b64 := base64.RawURLEncoding
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		x, y := make([]byte, size), make([]byte, size)
		k.X.FillBytes(x)
		k.Y.FillBytes(y)
		return JWK{Kty: "EC", Crv: k.Curve.Params().Name, X: b64.EncodeToString(x), Y: b64.EncodeToString(y)}
	case *rsa.PublicKey:
		return JWK{Kty: "RSA", N: b64.EncodeToString(k.N.Bytes()), E: b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	case ed25519.PublicKey:
		return JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(k)}
	}
	t.Fatalf("key %T", pub)
	return JWK{}
}

func TestThumbprintMatchesClient(t *testing.T) {
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, pub := range []crypto.PublicKey{ec256.Public(), ec384.Public(), rk.Public()} {
		want, err := xacme.JWKThumbprint(pub)
		if err != nil {
			t.Fatal(err)
		}
		k := jwkOf(t, pub)
		if got := k.Thumbprint(); got != want {
			t.Fatalf("%T: thumbprint %s, client computes %s", pub, got, want)
		}
		back, err := k.PublicKey()
		if err != nil || !back.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Fatalf("%T: JWK round trip: %v", pub, err)
		}
	}
	// RFC 8037 test vector A.3: the Ed25519 thumbprint.
	ed := JWK{Kty: "OKP", Crv: "Ed25519", X: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	if got := ed.Thumbprint(); got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Fatalf("Ed25519 thumbprint %s", got)
	}
	for _, bad := range []JWK{
		{Kty: "EC", Crv: "P-192", X: "AA", Y: "AA"},
		{Kty: "EC", Crv: "P-256", X: "AA", Y: "AA"},
		{Kty: "RSA", N: base64.RawURLEncoding.EncodeToString(make([]byte, 128)), E: "AQAB"},
		{Kty: "oct"},
	} {
		if _, err := bad.PublicKey(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// signer crafts JWS requests by hand, for what a well-behaved client
// never sends.
type signer struct {
	key crypto.Signer
	alg string
}

func (s signer) sign(t *testing.T, hdr map[string]any, payload []byte) []byte {
	t.Helper()
	b64 := base64.RawURLEncoding
	h, _ := json.Marshal(hdr)
	prot := b64.EncodeToString(h)
	pl := b64.EncodeToString(payload)
	msg := []byte(prot + "." + pl)
	var sig []byte
	switch k := s.key.(type) {
	case *ecdsa.PrivateKey:
		d := sha256.Sum256(msg)
		r, ss, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		ss.FillBytes(sig[32:])
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, msg)
	case *rsa.PrivateKey:
		d := sha256.Sum256(msg)
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:]); err != nil {
			t.Fatal(err)
		}
	}
	body, _ := json.Marshal(jws{Protected: prot, Payload: pl, Signature: b64.EncodeToString(sig)})
	return body
}

func (h *harness) nonce(t *testing.T) string {
	t.Helper()
	resp, err := http.Head(h.srv.url("new-nonce"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Replay-Nonce")
}

func (h *harness) post(t *testing.T, path string, body []byte, contentType string) (int, Problem, http.Header) {
	t.Helper()
	resp, err := http.Post(h.srv.url(path), contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var p Problem
	_ = json.Unmarshal(raw, &p)
	return resp.StatusCode, p, resp.Header
}

func TestJWSRefusals(t *testing.T) {
	h := newHarness(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	es := signer{ecKey, "ES256"}
	jwk := jwkOf(t, ecKey.Public())
	const jose = "application/jose+json"

	// An EdDSA account works (x/crypto/acme cannot make one).
	edJWK := jwkOf(t, edKey.Public())
	code, p, hdr := h.post(t, "new-account", signer{edKey, "EdDSA"}.sign(t, map[string]any{
		"alg": "EdDSA", "jwk": edJWK, "nonce": h.nonce(t), "url": h.srv.url("new-account")}, []byte(`{}`)), jose)
	if code != http.StatusCreated || hdr.Get("Location") == "" || hdr.Get("Replay-Nonce") == "" {
		t.Fatalf("EdDSA account: %d %+v", code, p)
	}
	edKID := hdr.Get("Location")

	n := h.nonce(t)
	code, _, _ = h.post(t, "new-account", es.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": n, "url": h.srv.url("new-account")}, []byte(`{}`)), jose)
	if code != http.StatusCreated {
		t.Fatalf("ES256 account: %d", code)
	}

	cases := []struct {
		name   string
		path   string
		body   func() []byte
		ctype  string
		status int
		kind   string
	}{
		{"reused nonce", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": n, "url": h.srv.url("new-account")}, []byte(`{}`))
		}, jose, 400, "badNonce"},
		{"made-up nonce", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": "AAAA", "url": h.srv.url("new-account")}, []byte(`{}`))
		}, jose, 400, "badNonce"},
		{"url of another path", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": h.nonce(t), "url": h.srv.url("new-order")}, []byte(`{}`))
		}, jose, 403, "unauthorized"},
		{"alg none", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "none", "jwk": jwk, "nonce": h.nonce(t), "url": h.srv.url("new-account")}, []byte(`{}`))
		}, jose, 400, "badSignatureAlgorithm"},
		{"alg for another curve", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES384", "jwk": jwk, "nonce": h.nonce(t), "url": h.srv.url("new-account")}, []byte(`{}`))
		}, jose, 400, "badSignatureAlgorithm"},
		{"signature by another key", "new-account", func() []byte {
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			return signer{other, "ES256"}.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": h.nonce(t), "url": h.srv.url("new-account")}, []byte(`{}`))
		}, jose, 400, "malformed"},
		{"kid on new-account", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "EdDSA", "kid": edKID, "nonce": h.nonce(t), "url": h.srv.url("new-account")}, []byte(`{}`))
		}, jose, 400, "malformed"},
		{"jwk on new-order", "new-order", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": h.nonce(t), "url": h.srv.url("new-order")}, []byte(`{}`))
		}, jose, 400, "malformed"},
		{"unknown kid", "new-order", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "kid": h.srv.url("account", "nope"), "nonce": h.nonce(t), "url": h.srv.url("new-order")}, []byte(`{}`))
		}, jose, 400, "accountDoesNotExist"},
		{"kid of another key", "new-order", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "kid": edKID, "nonce": h.nonce(t), "url": h.srv.url("new-order")}, []byte(`{"identifiers":[]}`))
		}, jose, 400, "badSignatureAlgorithm"},
		{"not a JWS", "new-account", func() []byte { return []byte(`{"hello":1}`) }, jose, 400, "malformed"},
		{"wrong content type", "new-account", func() []byte {
			return es.sign(t, map[string]any{"alg": "ES256", "jwk": jwk, "nonce": h.nonce(t), "url": h.srv.url("new-account")}, []byte(`{}`))
		}, "application/json", 415, "malformed"},
		{"empty order", "new-order", func() []byte {
			return signer{edKey, "EdDSA"}.sign(t, map[string]any{"alg": "EdDSA", "kid": edKID, "nonce": h.nonce(t), "url": h.srv.url("new-order")}, []byte(`{"identifiers":[]}`))
		}, jose, 400, "malformed"},
	}
	for _, c := range cases {
		code, p, hdr := h.post(t, c.path, c.body(), c.ctype)
		if code != c.status || p.Type != errNS+c.kind {
			t.Errorf("%s: HTTP %d %s (%s), want %d %s", c.name, code, p.Type, p.Detail, c.status, c.kind)
		}
		if hdr.Get("Replay-Nonce") == "" {
			t.Errorf("%s: no Replay-Nonce on an error response", c.name)
		}
	}
}

func TestDirectoryAndNonceEndpoint(t *testing.T) {
	h := newHarness(t)
	resp, err := http.Get(h.acmeURL)
	if err != nil {
		t.Fatal(err)
	}
	var dir map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&dir)
	resp.Body.Close()
	if dir["newNonce"] != h.srv.url("new-nonce") || dir["newAccount"] != h.srv.url("new-account") || dir["newOrder"] != h.srv.url("new-order") {
		t.Fatalf("directory %v", dir)
	}
	resp, err = http.Get(h.srv.url("new-nonce"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Replay-Nonce") == "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET new-nonce: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = http.Get(h.srv.url("new-order"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET new-order: %d", resp.StatusCode)
	}
}

func TestNonces(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	n := NewNonces(time.Minute, 3, clock)
	a := n.New()
	if !n.Redeem(a) || n.Redeem(a) {
		t.Fatal("a nonce must redeem exactly once")
	}
	b := n.New()
	now = now.Add(2 * time.Minute)
	if n.Redeem(b) {
		t.Fatal("an expired nonce redeemed")
	}
	first := n.New()
	for range 3 {
		n.New()
	}
	if n.Redeem(first) {
		t.Fatal("the oldest nonce must be dropped when the store is full")
	}
	if len(n.live) > 3 {
		t.Fatalf("%d nonces kept, max 3", len(n.live))
	}
}

func TestOrderStatus(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	az := func(status string, exp time.Time) *Authorization { return &Authorization{Status: status, Expires: exp} }
	o := func(status string) *Order { return &Order{Status: status, Expires: later} }
	for _, c := range []struct {
		name   string
		order  *Order
		authzs []*Authorization
		want   string
	}{
		{"all pending", o(StatusPending), []*Authorization{az(StatusPending, later), az(StatusPending, later)}, StatusPending},
		{"some valid", o(StatusPending), []*Authorization{az(StatusValid, later), az(StatusPending, later)}, StatusPending},
		{"all valid", o(StatusPending), []*Authorization{az(StatusValid, later), az(StatusValid, later)}, StatusReady},
		{"one invalid", o(StatusPending), []*Authorization{az(StatusValid, later), az(StatusInvalid, later)}, StatusInvalid},
		{"authz expired", o(StatusPending), []*Authorization{az(StatusValid, now)}, StatusInvalid},
		{"order expired", &Order{Status: StatusPending, Expires: now}, []*Authorization{az(StatusValid, later)}, StatusInvalid},
		{"valid stays valid", o(StatusValid), []*Authorization{az(StatusValid, now)}, StatusValid},
		{"deactivated authz", o(StatusPending), []*Authorization{az(StatusDeactivated, later)}, StatusInvalid},
	} {
		if got := orderStatus(c.order, c.authzs, now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	a := &Authorization{Status: StatusPending, Challenges: []Challenge{{Type: ChallengeHTTP01, Status: StatusPending}}}
	challengeResult(a, ChallengeHTTP01, now, nil)
	if a.Status != StatusValid || a.Challenges[0].Status != StatusValid || !a.Challenges[0].Validated.Equal(now) {
		t.Fatalf("valid result: %+v", a)
	}
	b := &Authorization{Status: StatusPending, Challenges: []Challenge{{Type: ChallengeHTTP01, Status: StatusPending}}}
	challengeResult(b, ChallengeHTTP01, now, errIncorrectResponse("no"))
	if b.Status != StatusInvalid || b.Challenges[0].Error == nil {
		t.Fatalf("invalid result: %+v", b)
	}
}
