package ledger

import (
	"fmt"
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
}

// maxPayload is the largest message the embedded server accepts: NATS's own
// ceiling. Request bodies are limited to 32 MiB by the gateway, so one KV
// version always fits in one batch message.
const maxPayload = 64 << 20

// StartEmbedded starts a JetStream-enabled NATS server in this process and
// returns it with a connection to it. Every write is fsynced before it is
// acknowledged (SyncAlways).
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, *nats.Conn, error) {
	opts := &server.Options{
		ServerName: "coffer",
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
	switch cfg.Port {
	case 0:
		opts.DontListen = true
	default:
		opts.Port = cfg.Port
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
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("coffer"), nats.MaxReconnects(-1))
	if err != nil {
		ns.Shutdown()
		return nil, nil, fmt.Errorf("ledger: connect to embedded nats: %w", err)
	}
	return ns, nc, nil
}
