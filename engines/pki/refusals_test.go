package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

// TestRefusals: bad input is a 4xx with Vault's message and records
// nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	empty := e.mount("empty", 0)
	status, msg := e.fail(empty, framework.UpdateOperation, "root/sign-intermediate", map[string]any{"csr": "x"})
	require.Equal(t, 400, status)
	require.Equal(t, "no default issuer currently configured", msg)

	_, intM, _, _ := e.tutorial()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a.internal.example.com"}}, k)
	require.NoError(t, err)
	weakCSR := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))

	seqBefore, err := e.le.Ledger.LastSeq(t.Context())
	require.NoError(t, err)
	for _, tc := range []struct {
		path   string
		data   map[string]any
		status int
		msg    string
	}{
		{"issue/myapp-service", map[string]any{"common_name": "api.evil.com"}, 400, "common name api.evil.com not allowed by this role"},
		{"issue/myapp-service", map[string]any{"common_name": "a.internal.example.com", "alt_names": "b.evil.com"}, 400, "subject alternate name b.evil.com not allowed by this role"},
		{"issue/myapp-service", map[string]any{"common_name": "a.internal.example.com", "format": "xml"}, 400, `the "format" path parameter must be "pem", "der", or "pem_bundle"`},
		{"issue/unknown", map[string]any{"common_name": "a.internal.example.com"}, 400, "unknown role: unknown"},
		{"sign/myapp-service", map[string]any{"csr": "garbage"}, 400, ""},
		{"sign/myapp-service", map[string]any{"csr": weakCSR}, 400, ""},
		{"issuer/nope/issue/myapp-service", map[string]any{"common_name": "a.internal.example.com"}, 400, "unable to find PKI issuer for reference: nope"},
		{"intermediate/set-signed", map[string]any{"certificate": "garbage"}, 400, ""},
		{"roles/bad", map[string]any{"key_type": "dsa"}, 400, ""},
		{"revoke", map[string]any{"serial_number": "01:02"}, 400, "certificate with serial 01:02 not found"},
		{"revoke", map[string]any{}, 400, "must provide either the certificate or the serial to revoke"},
		{"config/crl", map[string]any{"expiry": "soon"}, 400, ""},
	} {
		status, msg := e.fail(intM, framework.UpdateOperation, tc.path, tc.data)
		require.Equal(t, tc.status, status, "%s: %s", tc.path, msg)
		if tc.msg != "" {
			require.Equal(t, tc.msg, msg, tc.path)
		} else {
			require.NotEmpty(t, msg, tc.path)
		}
	}
	seqAfter, err := e.le.Ledger.LastSeq(t.Context())
	require.NoError(t, err)
	require.Equal(t, seqBefore, seqAfter, "a refused request appends nothing")

	// A TTL beyond the issuer's expiry is refused by default
	// (leaf_not_after_behavior err) and truncated when asked.
	e.write(intM, "roles/long", map[string]any{"allow_any_name": true, "max_ttl": "100000h"})
	status, msg = e.fail(intM, framework.UpdateOperation, "issue/long", map[string]any{"common_name": "x", "ttl": "90000h"})
	require.Equal(t, 400, status)
	require.Contains(t, msg, "beyond the expiration of the CA certificate")
	e.write(intM, "issuer/default", map[string]any{"leaf_not_after_behavior": "truncate"})
	leaf := parsePEM(t, e.write(intM, "issue/long", map[string]any{"common_name": "x", "ttl": "90000h"}).Data["certificate"].(string))
	require.Less(t, time.Until(leaf.NotAfter), 43800*time.Hour+time.Hour)
}

// TestNoStore: a no_store role's certificates are issued and recorded in
// the ledger (serial and expiry) but not stored: not listed, not fetched.
func TestNoStore(t *testing.T) {
	e := newEnv(t)
	_, intM, _, _ := e.tutorial()
	e.write(intM, "roles/ephemeral", map[string]any{"allow_any_name": true, "no_store": true, "key_type": "ec"})
	serial := e.write(intM, "issue/ephemeral", map[string]any{"common_name": "eph.example", "ttl": "1h"}).Data["serial_number"].(string)
	require.NotContains(t, e.list(intM, "certs"), serial)
	_, err := intM.Call(t, framework.ReadOperation, "cert/"+serial, nil)
	require.ErrorIs(t, err, framework.ErrNotFound)
	found := false
	for _, r := range e.pkiEvents() {
		if r.Type == "pki.cert_issued" && strings.Contains(string(r.Data), serial) {
			found = true
			require.NotContains(t, string(r.Data), "BEGIN CERTIFICATE", "no_store records no certificate")
		}
	}
	require.True(t, found, "the issuance is in the ledger")
}
