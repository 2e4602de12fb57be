package pki

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// TestTutorialThroughTheEngine runs the seed's PKI section through the
// mounts' path tables on a real ledger and checks the leaf with
// crypto/x509 and openssl.
func TestTutorialThroughTheEngine(t *testing.T) {
	e := newEnv(t)
	_, intM, rootPEM, signedPEM := e.tutorial()

	resp := e.write(intM, "issue/myapp-service", map[string]any{"common_name": "api.internal.example.com", "ttl": "8h"})
	leafPEM := resp.Data["certificate"].(string)
	require.NotEmpty(t, resp.Data["private_key"])
	require.Equal(t, "rsa", resp.Data["private_key_type"])
	require.Len(t, resp.Data["ca_chain"], 2)
	require.NotNil(t, resp.Secret, "generate_lease=true gives a lease")
	require.InDelta(t, (8 * time.Hour).Seconds(), resp.Secret.TTL.Seconds(), 60)

	leaf := parsePEM(t, leafPEM)
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(parsePEM(t, rootPEM))
	inters.AddCert(parsePEM(t, resp.Data["issuing_ca"].(string)))
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, DNSName: "api.internal.example.com"})
	require.NoError(t, err)

	out, err := opensslVerify(t, rootPEM, resp.Data["issuing_ca"].(string), leafPEM)
	require.NoError(t, err, out)
	require.Contains(t, out, "leaf.pem: OK")
	out, err = opensslVerify(t, rootPEM, signedPEM, leafPEM)
	require.NoError(t, err, "signed_cert.pem as the tutorial saved it: %s", out)
	_, err = opensslVerify(t, rootPEM, "", leafPEM)
	require.Error(t, err, "the leaf must not verify without its intermediate")

	// The certificate is stored and listed by serial.
	serial := resp.Data["serial_number"].(string)
	require.Contains(t, e.list(intM, "certs"), serial)
	got := e.read(intM, "cert/"+serial).Data["certificate"].(string)
	require.Equal(t, leafPEM, got)
	require.Equal(t, certs.FormatSerial(leaf.SerialNumber), serial)

	// Foreign names are Vault's 400.
	status, msg := e.fail(intM, "update", "issue/myapp-service", map[string]any{"common_name": "api.evil.com"})
	require.Equal(t, 400, status)
	require.Equal(t, "common name api.evil.com not allowed by this role", msg)
	status, msg = e.fail(intM, "update", "issue/nope", map[string]any{"common_name": "api.internal.example.com"})
	require.Equal(t, 400, status)
	require.Equal(t, "unknown role: nope", msg)
}
