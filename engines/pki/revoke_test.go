package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/internal/testkit"
)

func crlSerials(t *testing.T, der []byte, issuer *x509.Certificate) []string {
	t.Helper()
	rl, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	require.NoError(t, rl.CheckSignatureFrom(issuer))
	var out []string
	for _, en := range rl.RevokedCertificateEntries {
		out = append(out, certs.FormatSerial(en.SerialNumber))
	}
	sort.Strings(out)
	return out
}

// TestRevocationCRLOCSPAndRebuild: revoke by serial, by certificate,
// with its key and through its lease; the CRL lists them (signed by the
// issuer, its number advancing), OCSP answers revoked and good, and a
// projection rebuild from the ledger gives the same certificate list
// and CRL entries.
func TestRevocationCRLOCSPAndRebuild(t *testing.T) {
	e := newEnv(t)
	_, intM, _, signedPEM := e.tutorial()
	intCert := parsePEM(t, signedPEM)
	issue := func(cn string) map[string]any {
		return e.write(intM, "issue/myapp-service", map[string]any{"common_name": cn + ".internal.example.com", "ttl": "1h"}).Data
	}
	a, b, c, d, keep := issue("a"), issue("b"), issue("c"), issue("d"), issue("keep")

	crl0 := e.read(intM, "crl").Raw
	rl0, err := x509.ParseRevocationList(crl0)
	require.NoError(t, err)
	require.Empty(t, rl0.RevokedCertificateEntries)

	e.write(intM, "revoke", map[string]any{"serial_number": a["serial_number"]})
	e.write(intM, "revoke", map[string]any{"certificate": b["certificate"]})
	status, msg := e.fail(intM, framework.UpdateOperation, "revoke-with-key", map[string]any{"serial_number": c["serial_number"], "private_key": d["private_key"]})
	require.Equal(t, 400, status, msg)
	e.write(intM, "revoke-with-key", map[string]any{"serial_number": c["serial_number"], "private_key": c["private_key"]})
	// The lease of d (generate_lease) is revoked by the module's Revoker,
	// as the reaper would.
	rd, err := json.Marshal(leaseData{Mount: "pki_pki_int", Serial: d["serial_number"].(string)})
	require.NoError(t, err)
	require.NoError(t, (&leaseRevoker{deps: e.le.Deps}).Revoke(context.Background(), &leaseevent.State{ID: "lease-d", RevokeData: rd}))
	// Revoking again changes nothing.
	again := e.write(intM, "revoke", map[string]any{"serial_number": a["serial_number"]}).Data
	require.NotZero(t, again["revocation_time"])

	want := []string{a["serial_number"].(string), b["serial_number"].(string), c["serial_number"].(string), d["serial_number"].(string)}
	sort.Strings(want)
	der := e.read(intM, "crl").Raw
	require.Equal(t, want, crlSerials(t, der, intCert))
	rl, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	require.Positive(t, rl.Number.Cmp(rl0.Number), "the CRL number advances")
	pemCRL := string(e.read(intM, "crl/pem").Raw)
	require.Contains(t, pemCRL, "-----BEGIN X509 CRL-----")
	require.Equal(t, want, listOf(e, intM, "certs/revoked"))
	require.NotZero(t, e.read(intM, "cert/"+a["serial_number"].(string)).Data["revocation_time"])

	e.read(intM, "crl/rotate")
	rotated, err := x509.ParseRevocationList(e.read(intM, "crl").Raw)
	require.NoError(t, err)
	require.Positive(t, rotated.Number.Cmp(rl.Number), "crl/rotate numbers a new CRL")

	ocspOf := func(pemCert string) int {
		leaf := parsePEM(t, pemCert)
		reqDER, err := ocsp.CreateRequest(leaf, intCert, &ocsp.RequestOptions{Hash: crypto.SHA256})
		require.NoError(t, err)
		resp := e.read(intM, "ocsp/"+base64.StdEncoding.EncodeToString(reqDER))
		r, err := ocsp.ParseResponseForCert(resp.Raw, leaf, intCert)
		require.NoError(t, err)
		// The POST form (RFC 6960 A.1.1) answers the same.
		posted, err := intM.Call(t, framework.UpdateOperation, "ocsp", nil, func(r *framework.Request) { r.RawBody = reqDER })
		require.NoError(t, err)
		rp, err := ocsp.ParseResponseForCert(posted.Raw, leaf, intCert)
		require.NoError(t, err)
		require.Equal(t, r.Status, rp.Status)
		return r.Status
	}
	require.Equal(t, ocsp.Revoked, ocspOf(a["certificate"].(string)))
	require.Equal(t, ocsp.Good, ocspOf(keep["certificate"].(string)))

	certsBefore := listOf(e, intM, "certs")
	e.le.ResetProjections(t)
	for path := range e.mounts {
		e.mount(path, e.mounts[path].Config.MaxLeaseTTL)
	}
	intM = e.mounts["pki_int"]
	require.Equal(t, certsBefore, listOf(e, intM, "certs"), "a rebuild keeps the certificate list")
	require.Equal(t, want, crlSerials(t, e.read(intM, "crl").Raw, intCert), "and the CRL")
	// And the CA key still signs (opened from its data key).
	issue("after-rebuild")
}

func listOf(e *env, m *testkit.Mount, path string) []string {
	out := e.list(m, path)
	sort.Strings(out)
	return out
}
