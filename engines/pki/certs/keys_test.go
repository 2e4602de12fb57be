package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestNormalizeKeyParams(t *testing.T) {
	cases := []struct {
		name              string
		typ               string
		bits, sig         int
		wantBits, wantSig int
		wantErr           string
	}{
		{name: "rsa default", typ: "rsa", wantBits: 2048, wantSig: 256},
		{name: "rsa 3072 sha384", typ: "rsa", bits: 3072, sig: 384, wantBits: 3072, wantSig: 384},
		{name: "rsa 4096", typ: "rsa", bits: 4096, wantBits: 4096, wantSig: 256},
		{name: "rsa weak", typ: "rsa", bits: 1024, wantErr: "RSA keys < 2048 bits are unsafe and not supported: got 1024"},
		{name: "rsa odd size", typ: "rsa", bits: 2049, wantErr: "unsupported bit length for RSA key: 2049"},
		{name: "rsa bad hash", typ: "rsa", sig: 128, wantErr: "unsupported hash signature algorithm: 128"},
		{name: "ec default", typ: "ec", wantBits: 256},
		{name: "ec 384", typ: "ec", bits: 384, wantBits: 384},
		{name: "ec 521", typ: "ec", bits: 521, wantBits: 521},
		{name: "ec bad curve", typ: "ec", bits: 512, wantErr: "unsupported bit length for EC key: 512"},
		{name: "ed25519 ignores bits", typ: "ed25519", bits: 0},
		{name: "any", typ: "any"},
		{name: "unknown", typ: "dsa", wantErr: "unknown key type dsa"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bits, sig, err := NormalizeKeyParams(c.typ, c.bits, c.sig)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr || !IsRefusal(err) {
					t.Fatalf("err = %v, want refusal %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if bits != c.wantBits || sig != c.wantSig {
				t.Fatalf("got bits=%d sig=%d, want %d %d", bits, sig, c.wantBits, c.wantSig)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	cases := []struct {
		typ     string
		bits    int
		pemType string
		slow    bool
	}{
		{"rsa", 2048, "RSA PRIVATE KEY", false},
		{"rsa", 3072, "RSA PRIVATE KEY", true},
		{"rsa", 4096, "RSA PRIVATE KEY", true},
		{"ec", 224, "EC PRIVATE KEY", false},
		{"ec", 256, "EC PRIVATE KEY", false},
		{"ec", 384, "EC PRIVATE KEY", false},
		{"ec", 521, "EC PRIVATE KEY", false},
		{"ed25519", 0, "PRIVATE KEY", false},
	}
	for _, c := range cases {
		t.Run(c.typ+"-"+itoa(c.bits), func(t *testing.T) {
			if c.slow && testing.Short() {
				t.Skip("large RSA key generation skipped in -short")
			}
			k, err := GenerateKey(rand.Reader, c.typ, c.bits)
			if err != nil {
				t.Fatal(err)
			}
			if k.Type != c.typ || k.Bits() != c.bits {
				t.Fatalf("got type %s bits %d", k.Type, k.Bits())
			}
			block, _ := pem.Decode([]byte(k.PEM()))
			if block == nil || block.Type != c.pemType {
				t.Fatalf("PEM block %v, want %s", block, c.pemType)
			}
			back, err := ParsePrivateKeyPEM(k.PEM())
			if err != nil {
				t.Fatal(err)
			}
			if !PublicKeysEqual(back.Signer.Public(), k.Signer.Public()) || back.Type != k.Type {
				t.Fatal("PEM round trip changed the key")
			}
			p8, err := k.PKCS8PEM()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p8, "-----BEGIN PRIVATE KEY-----") {
				t.Fatalf("pkcs8 PEM starts %q", p8[:30])
			}
			back8, err := ParsePrivateKeyPEM(p8)
			if err != nil || !PublicKeysEqual(back8.Signer.Public(), k.Signer.Public()) {
				t.Fatalf("pkcs8 round trip: %v", err)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestGenerateKeyRefusesWeakAndUnknown(t *testing.T) {
	for _, c := range []struct {
		typ  string
		bits int
		msg  string
	}{
		{"rsa", 1024, "RSA keys < 2048 bits are unsafe and not supported"},
		{"rsa", 0, "RSA keys < 2048 bits are unsafe and not supported"},
		{"ec", 192, "unsupported bit length for EC key: 192"},
		{"dsa", 1024, "unknown key type: dsa"},
	} {
		_, err := GenerateKey(rand.Reader, c.typ, c.bits)
		if err == nil || err.Error() != c.msg || !IsRefusal(err) {
			t.Errorf("%s/%d: err = %v, want %q", c.typ, c.bits, err, c.msg)
		}
	}
}

func TestParsePrivateKeyPEMRefusals(t *testing.T) {
	if _, err := ParsePrivateKeyPEM("not pem"); err == nil || err.Error() != "no data found in PEM block" {
		t.Fatalf("err = %v", err)
	}
	enc := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}}))
	if _, err := ParsePrivateKeyPEM(enc); err == nil || !strings.HasPrefix(err.Error(), "Encrypted private key given") {
		t.Fatalf("err = %v", err)
	}
	junk := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}))
	if _, err := ParsePrivateKeyPEM(junk); !IsRefusal(err) {
		t.Fatalf("err = %v, want refusal", err)
	}
}

func TestKeyMatchesCert(t *testing.T) {
	now := fixedNow()
	mk := func(typ string, bits int) (*PrivateKey, *x509.Certificate) {
		k := mustKey(t, typ, bits)
		root, err := SelfSign(rand.Reader, rootParams("k", now), k)
		if err != nil {
			t.Fatal(err)
		}
		return k, root.Cert
	}
	rsaKey, rsaCert := mk("rsa", 2048)
	ecKey, ecCert := mk("ec", 256)
	edKey, edCert := mk("ed25519", 0)
	otherEC := mustKey(t, "ec", 256)
	otherEd := mustKey(t, "ed25519", 0)
	otherRSA := mustKey(t, "rsa", 2048)

	for _, c := range []struct {
		name string
		key  *PrivateKey
		cert *x509.Certificate
		want string
	}{
		{"rsa match", rsaKey, rsaCert, ""},
		{"ec match", ecKey, ecCert, ""},
		{"ed match", edKey, edCert, ""},
		{"rsa other", otherRSA, rsaCert, "provided private key does not match certificate's public key"},
		{"ec other", otherEC, ecCert, "provided private key does not match certificate's public key"},
		{"ed other", otherEd, edCert, "provided private key does not match certificate's public key"},
		{"ec for rsa", ecKey, rsaCert, "provided private key type does not match certificate's public key type"},
		{"rsa for ed", rsaKey, edCert, "provided private key type does not match certificate's public key type"},
	} {
		err := KeyMatchesCert(c.key.Signer, c.cert)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || err.Error() != c.want || !IsRefusal(err) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if c.want == "provided private key does not match certificate's public key" && !errors.Is(err, ErrKeyMismatch) {
			t.Errorf("%s: not ErrKeyMismatch", c.name)
		}
	}

	// A corrupted RSA key whose public half still matches is refused.
	orig := rsaKey.Signer.(*rsa.PrivateKey)
	bad := &rsa.PrivateKey{PublicKey: orig.PublicKey, D: new(big.Int).Add(orig.D, big.NewInt(2)), Primes: orig.Primes}
	if err := KeyMatchesCert(bad, rsaCert); err == nil || !strings.HasPrefix(err.Error(), "error validating integrity of private key") {
		t.Fatalf("corrupted key: err = %v", err)
	}
}

func TestWrapSignerTypes(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, dk, _ := ed25519.GenerateKey(rand.Reader)
	for want, s := range map[string]crypto.Signer{"rsa": rk, "ec": ek, "ed25519": dk} {
		k, err := WrapSigner(s)
		if err != nil || k.Type != want {
			t.Fatalf("%s: %v %v", want, k, err)
		}
		back, err := ParsePrivateKeyDER(k.DER)
		if err != nil || !PublicKeysEqual(back.Signer.Public(), s.Public()) {
			t.Fatalf("%s: DER round trip: %v", want, err)
		}
	}
}

// TestECPrivateKeyDERIsX509s: the hand encoder of generated EC keys writes
// exactly x509.MarshalECPrivateKey's bytes, on every curve, including keys
// whose scalar or coordinates have leading zero bytes (one in 256 keys
// each, so 600 keys a curve meet several).
func TestECPrivateKeyDERIsX509s(t *testing.T) {
	for _, bits := range []int{224, 256, 384, 521} {
		for i := 0; i < 600; i++ {
			k, err := GenerateKey(rand.Reader, KeyEC, bits)
			if err != nil {
				t.Fatal(err)
			}
			want, err := x509.MarshalECPrivateKey(k.Signer.(*ecdsa.PrivateKey))
			if err != nil {
				t.Fatal(err)
			}
			if string(k.DER) != string(want) {
				t.Fatalf("P-%d key %d: DER differs from x509's\n got %x\nwant %x", bits, i, k.DER, want)
			}
		}
	}
	// A key the fields do not describe is x509's business (and its error).
	bad := &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)}, D: big.NewInt(0)}
	if _, err := ecPrivateKeyDER(bad); err == nil {
		t.Fatal("a zero scalar was encoded")
	}
}
