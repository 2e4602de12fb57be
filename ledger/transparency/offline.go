package transparency

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/ledger"
)

// Offline is a Source over a copy of a data dir, for auditing a backup or a
// stopped node without its keys.
type Offline struct {
	Source
	// Dir is the private copy of DIR/nats the embedded server runs on.
	Dir string
	ns  *server.Server
	nc  *nats.Conn
}

// OpenOffline copies dataDir/nats to a temporary directory and starts an
// embedded NATS server on the copy. The copy is what makes this read-only:
// a JetStream server rewrites index files when it starts, and an auditor's
// backup must stay byte-for-byte what it was. Close removes the copy.
func OpenOffline(dataDir string) (*Offline, error) {
	natsDir := filepath.Join(dataDir, "nats")
	if fi, err := os.Stat(natsDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a data dir (no nats/ inside)", ErrNotFound, dataDir)
	}
	tmp, err := os.MkdirTemp("", "coffer-verify-")
	if err != nil {
		return nil, fmt.Errorf("transparency: temp dir: %w", err)
	}
	dir := filepath.Join(tmp, "nats")
	if err := os.CopyFS(dir, os.DirFS(natsDir)); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("transparency: copy %s: %w", natsDir, err)
	}
	ns, nc, err := ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: dir})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		ns.Shutdown()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("transparency: jetstream: %w", err)
	}
	return &Offline{Source: NewSource(js), Dir: dir, ns: ns, nc: nc}, nil
}

// Conn is the connection to the copy's server, for readers that need
// more than a Source (an offline ledger.Store that decodes an archive).
func (o *Offline) Conn() *nats.Conn { return o.nc }

// Close stops the server and removes the copy.
func (o *Offline) Close() error {
	o.nc.Close()
	o.ns.Shutdown()
	o.ns.WaitForShutdown()
	return os.RemoveAll(filepath.Dir(o.Dir))
}
