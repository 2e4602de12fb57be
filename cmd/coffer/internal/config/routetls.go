package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
)

// ErrRouteTLS reports route TLS material that cannot be used.
var ErrRouteTLS = errors.New("config: route TLS")

// routeTLS says whether the embedded servers' routes run over TLS: on a
// node that joins others (retry_join) whose listener has TLS.
func (c *Config) routeTLS() bool {
	return len(c.Storage.RetryJoin) > 0 && len(c.Listeners) > 0 && !c.Listeners[0].TLSDisable
}

// checkRouteTLS requires what RouteTLS needs: a CA to verify the other
// nodes by, and one client certificate for every route.
func checkRouteTLS(d *decoder, cfg *Config, storage *hcl.Block) {
	if !cfg.routeTLS() {
		return
	}
	ca, client := false, ""
	for _, r := range cfg.Storage.RetryJoin {
		ca = ca || r.LeaderCACertFile != ""
		if r.LeaderClientCertFile == "" {
			continue
		}
		if client != "" && client != r.LeaderClientCertFile {
			d.add(problem(storage.DefRange, "Conflicting client certificates",
				"Every retry_join must name the same leader_client_cert_file: the node shows one certificate on all its routes."))
			return
		}
		client = r.LeaderClientCertFile
	}
	if !ca {
		d.add(problem(storage.DefRange, "Missing leader_ca_cert_file",
			"The listener has TLS, so the routes between the nodes' NATS servers use TLS too, and each node verifies the others' certificates: "+
				"give the CA in leader_ca_cert_file (in one retry_join or each), or set tls_disable on the listener (routes in plaintext, on a private network only)."))
	}
}

// RouteTLS returns the TLS configuration of the embedded NATS servers'
// routes, or nil when they run in plaintext (a single node, or a
// listener with tls_disable). A route is mutual TLS: a node presents the
// listener's certificate (or leader_client_cert_file's) both as the
// server and as the client, and accepts only a peer whose certificate
// chains to a leader_ca_cert_file CA, so the certificate authenticates
// the node; a route's client also checks the peer's name (its route
// address) against the certificate. The listener's certificate therefore
// needs both serverAuth and clientAuth usages (or none) and the route
// addresses among its names.
func (c *Config) RouteTLS() (*tls.Config, error) {
	if !c.routeTLS() {
		return nil, nil
	}
	l := c.Listeners[0]
	cert, err := tls.LoadX509KeyPair(l.TLSCertFile, l.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: listener certificate: %w", ErrRouteTLS, err)
	}
	pool := x509.NewCertPool()
	cfg := &tls.Config{MinVersion: l.TLSVersion(), Certificates: []tls.Certificate{cert}, RootCAs: pool, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert}
	seen := map[string]bool{}
	for _, r := range c.Storage.RetryJoin {
		if f := r.LeaderCACertFile; f != "" && !seen[f] {
			seen[f] = true
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("%w: leader_ca_cert_file: %w", ErrRouteTLS, err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: leader_ca_cert_file %s holds no PEM certificate", ErrRouteTLS, f)
			}
		}
		if r.LeaderClientCertFile != "" && cfg.GetClientCertificate == nil {
			client, err := tls.LoadX509KeyPair(r.LeaderClientCertFile, r.LeaderClientKeyFile)
			if err != nil {
				return nil, fmt.Errorf("%w: leader_client_cert_file: %w", ErrRouteTLS, err)
			}
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &client, nil }
		}
	}
	return cfg, nil
}
