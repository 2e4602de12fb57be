package pki

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/revocation"
)

// TestDeltaCRLs: with auto_rebuild and enable_delta, the complete CRL is
// pinned at the last rotation and a revocation after it shows in the
// delta CRL (RFC 5280 delta indicator naming the complete CRL's number,
// numbered above it, signed by the issuer), until crl/rotate folds it
// into a new complete CRL numbered above every delta. A projection
// rebuild gives the same CRLs.
func TestDeltaCRLs(t *testing.T) {
	e := newEnv(t)
	_, intM, rootPEM, signedPEM := e.tutorial()
	intCert := parsePEM(t, signedPEM)
	pems := map[string]string{}
	issue := func(cn string) string {
		d := e.write(intM, "issue/myapp-service", map[string]any{"common_name": cn + ".internal.example.com", "ttl": "1h"}).Data
		pems[d["serial_number"].(string)] = d["certificate"].(string)
		return d["serial_number"].(string)
	}
	parse := func(der []byte) *x509.RevocationList {
		t.Helper()
		rl, err := x509.ParseRevocationList(der)
		require.NoError(t, err)
		require.NoError(t, rl.CheckSignatureFrom(intCert))
		return rl
	}
	a, b, good := issue("a"), issue("b"), issue("good")
	status, msg := e.fail(intM, framework.ReadOperation, "crl/delta", nil)
	require.Equal(t, 404, status, msg)
	status, msg = e.fail(intM, framework.UpdateOperation, "config/crl", map[string]any{"enable_delta": true})
	require.Equal(t, 400, status)
	require.Contains(t, msg, "Delta CRLs cannot be enabled when auto rebuilding is disabled")

	e.write(intM, "revoke", map[string]any{"serial_number": a})
	// The complete CRL points at its deltas (Freshest CRL), as RFC 5280
	// and openssl's -use_deltas want.
	e.write(intM, "config/urls", map[string]any{"delta_crl_distribution_points": "http://127.0.0.1:8200/v1/pki_int/crl/delta"})
	live := parse(e.read(intM, "crl").Raw)
	e.write(intM, "config/crl", map[string]any{"auto_rebuild": true, "enable_delta": true, "delta_rebuild_interval": "1m"})
	require.Equal(t, true, e.read(intM, "config/crl").Data["enable_delta"])

	complete := e.read(intM, "crl").Raw
	crl := parse(complete)
	require.Equal(t, []string{a}, crlSerials(t, complete, intCert))
	require.Positive(t, crl.Number.Cmp(live.Number), "turning auto_rebuild on rotates to a higher number")
	_, isDelta := revocation.DeltaBase(crl)
	require.False(t, isDelta)

	e.write(intM, "revoke", map[string]any{"serial_number": b})
	require.Equal(t, complete, e.read(intM, "crl").Raw, "the pinned complete CRL waits for the next rotation")
	deltaDER := e.read(intM, "crl/delta").Raw
	delta := parse(deltaDER)
	base, isDelta := revocation.DeltaBase(delta)
	require.True(t, isDelta, "crl/delta carries the delta CRL indicator")
	require.Equal(t, crl.Number.Int64(), base)
	require.Positive(t, delta.Number.Cmp(crl.Number))
	require.Contains(t, crlSerials(t, deltaDER, intCert), b, "the revocation after the rotation is in the delta")
	blk, _ := pem.Decode(e.read(intM, "crl/delta/pem").Raw)
	require.NotNil(t, blk)
	require.Equal(t, "X509 CRL", blk.Type)
	require.Equal(t, deltaDER, e.read(intM, "issuer/default/crl/delta/der").Raw, "built once per number")
	require.NotEmpty(t, e.read(intM, "cert/delta-crl").Data["certificate"])
	// openssl finds b revoked only by reading the delta next to the
	// complete CRL.
	out, err := opensslVerify(t, rootPEM, signedPEM, pems[b], revocation.CRLPEM(complete))
	require.NoError(t, err, "without the delta, b is not revoked yet: %s", out)
	out, err = opensslVerify(t, rootPEM, signedPEM, pems[b], revocation.CRLPEM(complete), revocation.CRLPEM(deltaDER))
	require.Error(t, err, "openssl -use_deltas sees b revoked: %s", out)
	require.Contains(t, out, "certificate revoked")
	out, err = opensslVerify(t, rootPEM, signedPEM, pems[good], revocation.CRLPEM(complete), revocation.CRLPEM(deltaDER))
	require.NoError(t, err, "%s", out)

	e.read(intM, "crl/rotate")
	rotated := e.read(intM, "crl").Raw
	rl := parse(rotated)
	require.ElementsMatch(t, []string{a, b}, crlSerials(t, rotated, intCert))
	require.Positive(t, rl.Number.Cmp(delta.Number), "the new complete CRL is numbered above every delta")

	e.le.ResetProjections(t)
	for path := range e.mounts {
		e.mount(path, e.mounts[path].Config.MaxLeaseTTL)
	}
	again := parse(e.read(e.mounts["pki_int"], "crl").Raw)
	require.Equal(t, rl.Number, again.Number, "a rebuild numbers the CRL alike")
	require.Equal(t, rl.ThisUpdate, again.ThisUpdate, "pinned at the same rotation")
	require.ElementsMatch(t, []string{a, b}, crlSerials(t, e.read(e.mounts["pki_int"], "crl").Raw, intCert))

	e.write(e.mounts["pki_int"], "config/crl", map[string]any{"auto_rebuild": false, "enable_delta": false})
	status, _ = e.fail(e.mounts["pki_int"], framework.ReadOperation, "crl/delta", nil)
	require.Equal(t, 404, status)
}
