package scenarios_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// selfSignedCert writes a certificate for 127.0.0.1 and its key, and
// returns their paths; the certificate is its own CA.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "coffer-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return certFile, keyFile
}

// TestProductionServerWithTLSInitAndUnseal runs the binary from an HCL
// config with a TLS listener, and operates it only through our CLI (with
// VAULT_CACERT) and the Vault Go client: init, use, restart sealed, unseal.
func TestProductionServerWithTLSInitAndUnseal(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the coffer binary")
	}
	t.Parallel()
	cert, key := selfSignedCert(t)
	s := harness.Start(t, harness.Options{CACert: cert, Config: `
storage "ledger" {
  path = "{{DATA}}"
}
listener "tcp" {
  address         = "{{ADDR}}"
  tls_cert_file   = "` + cert + `"
  tls_key_file    = "` + key + `"
  tls_min_version = "tls12"
}
log_level = "info"
`})
	require.True(t, strings.HasPrefix(s.Addr, "https://"))
	_, _, code := s.CLI(t, "status")
	require.Equal(t, 2, code, "a new server is not initialised, so sealed")

	out, errOut, code := s.CLI(t, "operator", "init", "-key-shares=3", "-key-threshold=2", "-format=json")
	require.Equal(t, 0, code, errOut)
	var init struct {
		KeysB64   []string `json:"keys_base64"`
		RootToken string   `json:"root_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &init))
	require.Len(t, init.KeysB64, 3)
	s.Token = init.RootToken
	// Init leaves the server sealed until the threshold is entered, as
	// Vault's tutorial flow expects.
	_, _, code = s.CLI(t, "status")
	require.Equal(t, 2, code, "sealed after init")
	for _, k := range init.KeysB64[:2] {
		_, errOut, code = s.CLI(t, "operator", "unseal", k)
		require.Equal(t, 0, code, errOut)
	}

	_, errOut, code = s.CLI(t, "secrets", "enable", "-path=secret", "-version=2", "kv")
	require.Equal(t, 0, code, errOut)
	_, errOut, code = s.CLI(t, "kv", "put", "secret/app", "password=hunter2")
	require.Equal(t, 0, code, errOut)

	require.NoError(t, s.Stop())
	s.Restart(t)
	_, _, code = s.CLI(t, "status")
	require.Equal(t, 2, code, "restarted sealed")
	_, errOut, code = s.CLI(t, "kv", "get", "secret/app")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "sealed")

	_, errOut, code = s.CLI(t, "operator", "unseal", "not-a-key")
	require.NotEqual(t, 0, code, "a malformed share is refused")
	for _, k := range init.KeysB64[1:] {
		_, errOut, code = s.CLI(t, "operator", "unseal", k)
		require.Equal(t, 0, code, errOut)
	}
	_, _, code = s.CLI(t, "status")
	require.Equal(t, 0, code)
	out, errOut, code = s.CLI(t, "kv", "get", "-field=password", "secret/app")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "hunter2", strings.TrimSpace(out))

	got, err := s.Client(t).KVv2("secret").Get(context.Background(), "app")
	require.NoError(t, err, "the Go client connects with the CA file")
	require.Equal(t, "hunter2", got.Data["password"])
}
