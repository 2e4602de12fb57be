package servercmd

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"

	"github.com/cofferhq/coffer/cmd/coffer/internal/config"
	"github.com/cofferhq/coffer/engines/metrics"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/node"
)

// nodeConfig turns a parsed config file into a node's configuration.
func nodeConfig(fc *config.Config) (node.Config, error) {
	if len(fc.Listeners) != 1 {
		return node.Config{}, fmt.Errorf("server: exactly one listener is supported, the config has %d", len(fc.Listeners))
	}
	l := fc.Listeners[0]
	cfg := node.Config{DataDir: fc.Storage.Path, ListenAddr: l.Address, UI: fc.UI}
	cfg.Snapshots.Policy.EveryEvents = uint64(fc.Storage.SnapshotThreshold)
	cfg.Snapshots.Policy.Interval = fc.Storage.SnapshotInterval
	cfg.Snapshots.Keep = fc.Storage.SnapshotKeep
	cfg.AuditRetention, cfg.AuditArchiveDir = fc.Storage.AuditRetention, fc.Storage.AuditArchivePath
	s3 := fc.Storage.AuditArchiveS3
	cfg.AuditArchiveS3 = archive.S3Options{Endpoint: s3.Endpoint, Region: s3.Region, PathStyle: s3.ForcePathStyle,
		AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, SessionToken: s3.SessionToken}
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
	cfg.Audit.AllowAPI = fc.UnsafeAllowAPIAuditCreation
	for _, a := range fc.Audit {
		cfg.Audit.Devices = append(cfg.Audit.Devices, auditevent.Device{
			Path: a.Path, Type: a.Type, Description: a.Description, Local: a.Local, Options: a.Options,
		})
	}
	if err := clusterConfig(fc, &cfg); err != nil {
		return node.Config{}, err
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

// clusterConfig fills in the node's cluster membership: retry_join peers
// of embedded servers, or an external JetStream cluster.
func clusterConfig(fc *config.Config, cfg *node.Config) error {
	st := fc.Storage
	if n := st.NATS; n != nil {
		ext := &node.External{NodeID: st.NodeID, Replicas: n.Replicas, Conn: ledger.ExternalConfig{
			URLs: n.URLs, CredsFile: n.CredsFile, User: n.User, Password: n.Password.Reveal(), NkeySeedFile: n.NkeySeedFile,
			Name: "coffer-" + cmp.Or(st.NodeID, "node"),
		}}
		if t := n.TLS; t != nil {
			ext.Conn.CAFile, ext.Conn.CertFile, ext.Conn.KeyFile = t.CAFile, t.CertFile, t.KeyFile
		}
		cfg.External = ext
		return nil
	}
	if len(st.RetryJoin) == 0 {
		return nil
	}
	addr, err := routeListenAddr(fc)
	if err != nil {
		return err
	}
	c := &node.Cluster{NodeID: st.NodeID, Addr: addr}
	if c.TLS, err = fc.RouteTLS(); err != nil {
		return err
	}
	if c.Secret, err = fc.ClusterSecret(); err != nil {
		return err
	}
	for _, r := range st.RetryJoin {
		hp, err := r.ClusterHostPort()
		if err != nil {
			return fmt.Errorf("server: retry_join %s: %w", r.LeaderAPIAddr, err)
		}
		c.Peers = append(c.Peers, hp)
	}
	cfg.Cluster = c
	return nil
}

// routeListenAddr is where this node's NATS routes listen: the listener's
// host (0.0.0.0 in the tutorial) and cluster_addr's port, or the port
// after api_addr's (Vault's default) when cluster_addr is unset.
func routeListenAddr(fc *config.Config) (string, error) {
	var hp string
	switch {
	case fc.ClusterAddr != "":
		u, err := url.Parse(fc.ClusterAddr)
		if err != nil {
			return "", fmt.Errorf("server: cluster_addr: %w", err)
		}
		hp = u.Host
	case fc.APIAddr != "":
		var err error
		if hp, err = config.NextPort(fc.APIAddr); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("server: a node with retry_join needs cluster_addr (or api_addr) so the others can reach it")
	}
	_, port, err := net.SplitHostPort(hp)
	if err != nil || port == "" {
		return "", fmt.Errorf("server: cluster_addr %q has no port", fc.ClusterAddr)
	}
	host, _, err := net.SplitHostPort(fc.Listeners[0].Address)
	if err != nil {
		return "", fmt.Errorf("server: listener address: %w", err)
	}
	return net.JoinHostPort(host, port), nil
}
