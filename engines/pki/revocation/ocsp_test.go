package revocation

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

func TestOCSPAnswers(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newPKI(t, now, "ec", 256)
	other := newPKI(t, now, "rsa", 2048) // a CA this mount does not hold
	good, revoked := p.leaf(t, now, "good.example.com"), p.leaf(t, now, "revoked.example.com")
	foreign := other.leaf(t, now, "foreign.example.com")
	revokedAt := now.Add(-time.Hour).Truncate(time.Second)

	responder := Responder{
		Issuers: []OCSPIssuer{
			{ID: "root", Cert: p.root.Cert, Signer: p.root.Signer},
			{ID: "int", Cert: p.inter.Cert, Signer: p.inter.Signer},
		},
		Default: 1,
		Lookup: func(serial *big.Int) Status {
			if serial.Cmp(revoked.SerialNumber) == 0 {
				return Status{State: ocsp.Revoked, RevokedAt: revokedAt}
			}
			return Status{State: ocsp.Good}
		},
		Now:    now,
		Expiry: 12 * time.Hour,
	}
	ask := func(r Responder, leaf, issuer *x509.Certificate, hash crypto.Hash) (int, []byte) {
		t.Helper()
		req, err := ocsp.CreateRequest(leaf, issuer, &ocsp.RequestOptions{Hash: hash})
		if err != nil {
			t.Fatal(err)
		}
		return r.Answer(req)
	}

	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		code, body := ask(responder, good, p.inter.Cert, hash)
		if code != http.StatusOK {
			t.Fatalf("good: HTTP %d", code)
		}
		resp, err := ocsp.ParseResponseForCert(body, good, p.inter.Cert)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != ocsp.Good || resp.SerialNumber.Cmp(good.SerialNumber) != 0 ||
			!resp.ThisUpdate.Equal(now) || !resp.NextUpdate.Equal(now.Add(12*time.Hour)) || resp.IssuerHash != hash {
			t.Fatalf("good response %+v", resp)
		}
	}

	code, body := ask(responder, revoked, p.inter.Cert, crypto.SHA1)
	resp, err := ocsp.ParseResponseForCert(body, revoked, p.inter.Cert)
	if code != http.StatusOK || err != nil || resp.Status != ocsp.Revoked || !resp.RevokedAt.Equal(revokedAt) || resp.RevocationReason != ocsp.Unspecified {
		t.Fatalf("revoked: HTTP %d %v %+v", code, err, resp)
	}

	// An issuer the mount lacks: "unknown", signed by the default issuer.
	code, body = ask(responder, foreign, other.inter.Cert, crypto.SHA1)
	resp, err = ocsp.ParseResponse(body, p.inter.Cert)
	if code != http.StatusOK || err != nil || resp.Status != ocsp.Unknown || resp.SerialNumber.Cmp(foreign.SerialNumber) != 0 {
		t.Fatalf("unknown issuer: HTTP %d %v %+v", code, err, resp)
	}
	noDefault := responder
	noDefault.Default = -1
	if code, body := ask(noDefault, foreign, other.inter.Cert, crypto.SHA1); code != http.StatusUnauthorized || string(body) != string(ocsp.UnauthorizedErrorResponse) {
		t.Fatalf("unknown issuer, no default: HTTP %d", code)
	}

	// A revocation recorded against another issuer is not answered by
	// this one.
	pinned := responder
	pinned.Lookup = func(*big.Int) Status { return Status{State: ocsp.Revoked, RevokedAt: revokedAt, IssuerID: "root"} }
	code, body = ask(pinned, revoked, p.inter.Cert, crypto.SHA1)
	if resp, err := ocsp.ParseResponse(body, p.inter.Cert); code != http.StatusOK || err != nil || resp.Status != ocsp.Unknown {
		t.Fatalf("pinned issuer: HTTP %d %v", code, err)
	}

	disabled := responder
	disabled.Disabled = true
	if code, body := ask(disabled, good, p.inter.Cert, crypto.SHA1); code != http.StatusUnauthorized || string(body) != string(ocsp.UnauthorizedErrorResponse) {
		t.Fatalf("disabled: HTTP %d", code)
	}

	noUsage := responder
	noUsage.Issuers = []OCSPIssuer{{ID: "int", Cert: p.inter.Cert, Signer: p.inter.Signer, NoOCSPUsage: true}}
	if code, _ := ask(noUsage, good, p.inter.Cert, crypto.SHA1); code != http.StatusUnauthorized {
		t.Fatalf("no ocsp-signing usage: HTTP %d", code)
	}

	for name, der := range map[string][]byte{"empty": nil, "garbage": []byte("not an OCSP request"), "huge": make([]byte, MaxOCSPRequest)} {
		if code, body := responder.Answer(der); code != http.StatusBadRequest || string(body) != string(ocsp.MalformedRequestErrorResponse) {
			t.Errorf("%s: HTTP %d", name, code)
		}
	}
	// The malformed body is itself a valid OCSP response.
	if _, err := ocsp.ParseResponse(ocsp.MalformedRequestErrorResponse, nil); !errors.As(err, new(ocsp.ResponseError)) {
		t.Fatalf("malformed response body: %v", err)
	}
}

func TestDecodeGET(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newPKI(t, now, "ec", 256)
	leaf := p.leaf(t, now, "a.example.com")
	req, err := ocsp.CreateRequest(leaf, p.inter.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := DecodeGET(base64.StdEncoding.EncodeToString(req))
	if err != nil || string(der) != string(req) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{"", "%%%", strings.Repeat("A", MaxOCSPRequest)} {
		if _, err := DecodeGET(bad); !errors.Is(err, ErrOCSPRequest) {
			t.Errorf("DecodeGET(%.10q) err = %v", bad, err)
		}
	}
}
