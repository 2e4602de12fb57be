package config

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testcert"
)

// tlsNode is node 1 of three with a TLS listener; joins is the body of
// each retry_join after its leader_api_addr.
func tlsNode(cert, key, joins string) string {
	return fmt.Sprintf(`storage "raft" {
  path    = "/d"
  node_id = "n1"
  retry_join {
    leader_api_addr = "https://n2:8200"
%[3]s  }
  retry_join {
    leader_api_addr = "https://n3:8200"
%[3]s  }
}
listener "tcp" {
  address       = "0.0.0.0:8200"
  tls_cert_file = %[1]q
  tls_key_file  = %[2]q
}
cluster_addr = "https://n1:8201"
`, cert, key, joins)
}

func TestRouteTLS(t *testing.T) {
	authority := testcert.NewCA(t, "ca")
	node, clientLeaf := authority.Issue(t, "n1", "n1"), authority.Issue(t, "client")
	cert, key, ca := node.CertFile, node.KeyFile, authority.File
	client, clientKey := clientLeaf.CertFile, clientLeaf.KeyFile

	cfg, err := Parse([]byte(tlsNode(cert, key, fmt.Sprintf("    leader_ca_cert_file = %q\n", ca))), "coffer.hcl", nil)
	require.NoError(t, err)
	require.Equal(t, ca, cfg.Storage.RetryJoin[1].LeaderCACertFile)
	rt, err := cfg.RouteTLS()
	require.NoError(t, err)
	require.NotNil(t, rt, "a TLS listener: routes over TLS")
	require.Equal(t, tls.RequireAndVerifyClientCert, rt.ClientAuth, "routes authenticate both ends")
	require.Len(t, rt.Certificates, 1, "the listener's certificate")
	require.Same(t, rt.RootCAs, rt.ClientCAs)
	require.True(t, rt.RootCAs.Equal(authority.Pool()), "the CA of leader_ca_cert_file, nothing else")
	require.Nil(t, rt.GetClientCertificate)

	// A client certificate of its own.
	cfg, err = Parse([]byte(tlsNode(cert, key, fmt.Sprintf("    leader_ca_cert_file = %q\n    leader_client_cert_file = %q\n    leader_client_key_file = %q\n", ca, client, clientKey))), "coffer.hcl", nil)
	require.NoError(t, err)
	rt, err = cfg.RouteTLS()
	require.NoError(t, err)
	got, err := rt.GetClientCertificate(nil)
	require.NoError(t, err)
	want, err := tls.LoadX509KeyPair(client, clientKey)
	require.NoError(t, err)
	require.Equal(t, want.Certificate, got.Certificate)

	// Plaintext listener, or no cluster: plaintext routes.
	cfg, err = Parse([]byte(`storage "raft" {
  path = "/d"
  node_id = "n1"
  retry_join { leader_api_addr = "http://n2:8200" }
}
listener "tcp" { tls_disable = true }
`), "coffer.hcl", nil)
	require.NoError(t, err)
	rt, err = cfg.RouteTLS()
	require.NoError(t, err)
	require.Nil(t, rt)

	// Files that do not hold what they should.
	cfg, err = Parse([]byte(tlsNode(cert, key, fmt.Sprintf("    leader_ca_cert_file = %q\n", key))), "coffer.hcl", nil)
	require.NoError(t, err)
	_, err = cfg.RouteTLS()
	require.ErrorIs(t, err, ErrRouteTLS)
	cfg, err = Parse([]byte(tlsNode(cert, key, fmt.Sprintf("    leader_ca_cert_file = %q\n", filepath.Join(t.TempDir(), "absent.pem")))), "coffer.hcl", nil)
	require.NoError(t, err)
	_, err = cfg.RouteTLS()
	require.ErrorIs(t, err, ErrRouteTLS)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestRouteTLSRefusedConfigs(t *testing.T) {
	for _, tc := range []struct{ name, joins, want string }{
		{"no CA", "", "Missing leader_ca_cert_file"},
		{"half a client certificate", "    leader_ca_cert_file = \"ca.pem\"\n    leader_client_cert_file = \"c.pem\"\n", "Incomplete client certificate"},
	} {
		_, err := Parse([]byte(tlsNode("c.pem", "k.pem", tc.joins)), "coffer.hcl", nil)
		require.ErrorIs(t, err, ErrInvalid, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
	_, err := Parse([]byte(`storage "raft" {
  path = "/d"
  node_id = "n1"
  retry_join {
    leader_api_addr = "https://n2:8200"
    leader_ca_cert_file = "ca.pem"
    leader_client_cert_file = "a.pem"
    leader_client_key_file = "a-key.pem"
  }
  retry_join {
    leader_api_addr = "https://n3:8200"
    leader_client_cert_file = "b.pem"
    leader_client_key_file = "b-key.pem"
  }
}
listener "tcp" {
  tls_cert_file = "c.pem"
  tls_key_file  = "k.pem"
}
`), "coffer.hcl", nil)
	require.ErrorContains(t, err, "Conflicting client certificates")
}
