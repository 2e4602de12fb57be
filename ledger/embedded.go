package ledger

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedConfig configures the in-process NATS server.
type EmbeddedConfig struct {
	// StoreDir holds the JetStream file store.
	StoreDir string
	// Port is the client port; 0 means no TCP listener at all (in-process
	// connections only), -1 a random port.
	Port int
	// ServerName names the server in a cluster ("coffer" when empty).
	ServerName string
	// ClusterAddr, when set, makes the server a member of a NATS cluster:
	// host:port its routes listen on (a port of 0 picks one). Routes are
	// the other members' host:port; JetStream places each stream's
	// replicas and elects its leader over them (NATS's Raft).
	ClusterAddr string
	Routes      []string
	// ClusterName is the NATS cluster's name ("coffer" when empty).
	ClusterName string
	// RouteTLS, when set, makes every route TLS, both the ones this
	// server accepts and the ones it opens: the same configuration
	// serves both sides, so it holds this server's certificate, the CA
	// pool peers are verified by (RootCAs for the servers it dials,
	// ClientCAs with RequireAndVerifyClientCert for the ones that dial
	// it). A peer without a certificate from that CA is refused: the
	// certificate is the route's authentication.
	RouteTLS *tls.Config
	// RouteSecret, when set, is the cluster's pre-shared secret: every
	// route, accepted or opened, must carry credentials derived from it
	// (RouteCredentials), so a server without it cannot join. It needs
	// nothing sealed, so it works before unseal, and with or without
	// RouteTLS.
	RouteSecret []byte
}

// routeTLSTimeout bounds a route's TLS handshake: NATS's default of two
// seconds is short for a loaded machine, and a route that fails its
// handshake is only retried a second later.
const routeTLSTimeout = 5 // seconds, as nats-server counts it

// maxPayload is the largest message the embedded server accepts: NATS's own
// ceiling. Request bodies are limited to 32 MiB by the gateway, so one KV
// version always fits in one batch message.
const maxPayload = 64 << 20

// StartEmbedded starts a JetStream-enabled NATS server in this process and
// returns it with a connection to it. Every write is fsynced before it is
// acknowledged (SyncAlways).
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, *nats.Conn, error) {
	name := cfg.ServerName
	if name == "" {
		name = "coffer"
	}
	opts := &server.Options{
		ServerName: name,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		SyncAlways: true,
		// Left unset, JetStream caps its storage at 75% of the disk space
		// free when it starts, a limit that never grows with the disk.
		// The ledger's storage guard watches the real disk instead
		// (storage.go), so JetStream's own cap is set out of the way.
		JetStreamMaxStore: 1 << 60,
		MaxPayload:        maxPayload,
		NoSigs:            true,
		NoLog:             true,
		Host:              "127.0.0.1",
	}
	switch {
	case cfg.Port == 0 && cfg.ClusterAddr != "":
		// Routes start only once the client listener is up, so a
		// cluster member listens on a random loopback port.
		opts.Port = -1
	case cfg.Port == 0:
		opts.DontListen = true
	default:
		opts.Port = cfg.Port
	}
	if err := clusterOptions(opts, cfg); err != nil {
		return nil, nil, err
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: nats server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, nil, fmt.Errorf("ledger: nats server not ready after 30s")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("coffer-"+name), nats.MaxReconnects(-1))
	if err != nil {
		ns.Shutdown()
		return nil, nil, fmt.Errorf("ledger: connect to embedded nats: %w", err)
	}
	return ns, nc, nil
}

// clusterOptions sets the route listener and the routes of a clustered
// embedded server.
func clusterOptions(opts *server.Options, cfg EmbeddedConfig) error {
	if cfg.ClusterAddr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(cfg.ClusterAddr)
	if err != nil {
		return fmt.Errorf("ledger: cluster address %q: %w", cfg.ClusterAddr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("ledger: cluster address %q: port: %w", cfg.ClusterAddr, err)
	}
	if p == 0 {
		p = -1 // nats-server's "random port"
	}
	opts.Cluster.Name = cfg.ClusterName
	if opts.Cluster.Name == "" {
		opts.Cluster.Name = "coffer"
	}
	opts.Cluster.Host, opts.Cluster.Port = host, p
	if cfg.RouteTLS != nil {
		opts.Cluster.TLSConfig, opts.Cluster.TLSTimeout = cfg.RouteTLS.Clone(), routeTLSTimeout
	}
	var user *url.Userinfo
	if len(cfg.RouteSecret) > 0 {
		name, pass := RouteCredentials(cfg.RouteSecret)
		opts.Cluster.Username, opts.Cluster.Password = name, pass
		user = url.UserPassword(name, pass)
	}
	for _, r := range cfg.Routes {
		opts.Routes = append(opts.Routes, &url.URL{Scheme: "nats-route", Host: r, User: user})
	}
	return nil
}

// routeUser is the user name every authenticated route presents.
const routeUser = "coffer-route"

// RouteCredentials derives the routes' user and password from the
// cluster secret: an HMAC of a fixed label, so the secret itself never
// crosses the wire (over plaintext routes the password does, and whoever
// can read the route network can replay it: TLS routes keep it private).
func RouteCredentials(secret []byte) (user, password string) {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("coffer route authorization v1"))
	return routeUser, base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
