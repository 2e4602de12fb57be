// Package natstest starts a standalone nats-server for a test: on a random
// loopback port, JetStream on under t.TempDir(), silent, stopped when the
// test ends. Tests that need the ledger itself use ledgertest instead; this
// is for tests of what talks to any JetStream (an external cluster, object
// stores, elections).
package natstest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// Start runs a nats-server with opts (nil for the defaults). Host, Port,
// StoreDir, NoLog and NoSigs are filled in where opts leaves them empty;
// JetStream is always on.
func Start(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	o := server.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = -1
	}
	if o.StoreDir == "" {
		o.StoreDir = filepath.Join(t.TempDir(), "js")
	}
	o.JetStream, o.NoLog, o.NoSigs = true, true, true
	ns, err := server.NewServer(&o)
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second), "natstest: server not ready")
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// Connect starts a server as Start does and returns a connection to it,
// closed when the test ends.
func Connect(t testing.TB, opts *server.Options) *nats.Conn {
	t.Helper()
	ns := Start(t, opts)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}
