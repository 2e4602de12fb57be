package servercmd

import (
	"crypto/tls"
	"fmt"

	"github.com/cofferhq/coffer/cmd/coffer/internal/config"
	"github.com/cofferhq/coffer/engines/metrics"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/node"
)

// nodeConfig turns a parsed config file into a node's configuration.
func nodeConfig(fc *config.Config) (node.Config, error) {
	if fc.Storage.NATS != nil {
		return node.Config{}, fmt.Errorf("server: storage \"ledger\" { nats { ... } } (an external JetStream cluster) is not implemented yet")
	}
	if len(fc.Listeners) != 1 {
		return node.Config{}, fmt.Errorf("server: exactly one listener is supported, the config has %d", len(fc.Listeners))
	}
	l := fc.Listeners[0]
	cfg := node.Config{DataDir: fc.Storage.Path, ListenAddr: l.Address, UI: fc.UI}
	if !l.TLSDisable {
		cert, err := tls.LoadX509KeyPair(l.TLSCertFile, l.TLSKeyFile)
		if err != nil {
			return node.Config{}, fmt.Errorf("server: listener TLS certificate: %w", err)
		}
		cfg.TLS = &tls.Config{MinVersion: l.TLSVersion(), Certificates: []tls.Certificate{cert}}
	}
	cfg.Telemetry = metrics.Config{
		Retention:          fc.Telemetry.PrometheusRetentionTime,
		PrometheusDisabled: fc.Telemetry.Set && fc.Telemetry.PrometheusRetentionTime == 0,
		Unauthenticated:    l.Telemetry.UnauthenticatedMetricsAccess,
		Sanitized:          sanitized(fc),
	}
	cfg.Seal.Type = fc.Seal.Type
	if k := fc.Seal.AWSKMS; k != nil {
		cfg.Seal.KMS = kmsseal.Config{
			Region: k.Region, KMSKeyID: k.KMSKeyID, Endpoint: k.Endpoint,
			AccessKey: k.AccessKey, SecretKey: k.SecretKey.Reveal(), SessionToken: k.SessionToken.Reveal(),
		}
	}
	return cfg, nil
}
