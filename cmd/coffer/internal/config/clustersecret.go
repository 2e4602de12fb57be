package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
)

// ErrClusterSecret reports a cluster secret file that cannot be used.
// Its messages name the file, never what it holds.
var ErrClusterSecret = errors.New("config: cluster secret")

// MinClusterSecret is the shortest cluster secret accepted, in bytes
// (surrounding white space aside): `openssl rand -base64 32` makes 44.
const MinClusterSecret = 32

// decodeClusterSecret reads cluster_secret_file: a secret shared by the
// nodes of a cluster of embedded servers (retry_join) only.
func decodeClusterSecret(d *decoder, attrs hcl.Attributes, b *hcl.Block, s *Storage) {
	if !d.str(attrs, "cluster_secret_file", &s.ClusterSecretFile) {
		return
	}
	rng := rangeOf(attrs, "cluster_secret_file", b.DefRange)
	switch {
	case s.ClusterSecretFile == "":
		d.add(problem(rng, "Invalid cluster_secret_file", "cluster_secret_file must name a file."))
	case len(s.RetryJoin) == 0:
		d.add(problem(rng, "Unused cluster_secret_file",
			"cluster_secret_file authenticates the routes between the embedded NATS servers of a cluster: it needs retry_join blocks "+
				"(an external JetStream cluster authenticates Coffer with the nats block's credentials)."))
	}
}

// ClusterSecret reads the cluster secret (nil when none is configured):
// the file's content without surrounding white space, at least
// MinClusterSecret bytes. It is read at start, before unseal, since the
// routes need it to form the cluster that holds everything sealed.
func (c *Config) ClusterSecret() ([]byte, error) {
	f := c.Storage.ClusterSecretFile
	if f == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(f)
	if err != nil {
		return nil, fmt.Errorf("%w: cluster_secret_file: %w", ErrClusterSecret, err)
	}
	secret := bytes.TrimSpace(raw)
	if len(secret) < MinClusterSecret {
		return nil, fmt.Errorf("%w: cluster_secret_file %s holds %d bytes; it needs at least %d (e.g. openssl rand -base64 32)",
			ErrClusterSecret, f, len(secret), MinClusterSecret)
	}
	return secret, nil
}

// warnOpenRoutes warns of a cluster whose routes take any peer: plaintext
// (tls_disable) and no cluster secret.
func warnOpenRoutes(cfg *Config, storage *hcl.Block) {
	if len(cfg.Storage.RetryJoin) == 0 || cfg.routeTLS() || cfg.Storage.ClusterSecretFile != "" {
		return
	}
	r := storage.DefRange
	cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d:%d: the routes between the nodes run in plaintext and take any peer: "+
		"set cluster_secret_file (or give the listener TLS) so that only this cluster's nodes can join", r.Filename, r.Start.Line, r.Start.Column))
}
