package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Config is the validated server configuration.
type Config struct {
	Storage Storage
	// Listeners holds every listener block, in file order (at least one).
	Listeners []Listener
	// Seal is the seal block, or Seal{Type: "shamir"} when there is none.
	Seal Seal
	// APIAddr is the URL clients are told to use (redirects, sys/leader).
	APIAddr string
	// ClusterAddr is the URL other nodes use to reach this one.
	ClusterAddr string
	// LogLevel is one of trace, debug, info, warn, error ("info" if unset).
	LogLevel string
	// UI serves the web UI at /ui/ (`ui = true`; off unless set, as in
	// Vault; dev mode turns it on).
	UI bool
	// Telemetry is the telemetry block (metrics).
	Telemetry Telemetry
	// Audit holds the audit blocks: devices the node runs from start.
	Audit []Audit
	// UnsafeAllowAPIAuditCreation lets sys/audit enable and disable
	// devices (Vault 1.20.1's name; off by default since CVE-2025-6000).
	UnsafeAllowAPIAuditCreation bool
	// DisableMlock is accepted from Vault configs and has no effect.
	DisableMlock bool
	// Warnings are things worth logging at start-up, each naming its place
	// in the file (or its environment variable).
	Warnings []string
}

// Storage is the `storage "ledger"` block (`storage "raft"` is read as a
// synonym: the ledger stream's replication is NATS's Raft).
type Storage struct {
	// Type is "ledger" (a "raft" block is stored as "ledger" with
	// RaftSynonym set).
	Type string
	// RaftSynonym is set when the block was written `storage "raft"`.
	RaftSynonym bool
	// Path is the data directory (nats/ and projections/ below it; only
	// projections/ with an external cluster).
	Path string
	// NodeID names this node in the cluster (the embedded NATS server's
	// name); empty on a single node.
	NodeID string
	// RetryJoin lists the other nodes of an embedded cluster.
	RetryJoin []RetryJoin
	// ClusterSecretFile names the file holding the cluster's pre-shared
	// secret, which the embedded servers' routes authenticate each other
	// with (Config.ClusterSecret); empty: routes take any peer unless
	// they run over TLS.
	ClusterSecretFile string
	// NATS, when set, names an external JetStream cluster instead of the
	// embedded server.
	NATS *NATS
	// SnapshotThreshold (events appended, however many ledger messages
	// they were packed in) and SnapshotInterval say when
	// the elected node snapshots the read models; SnapshotKeep how many
	// snapshots are kept. Vault's raft attribute names; 0: the defaults.
	SnapshotThreshold int
	SnapshotInterval  time.Duration
	SnapshotKeep      int
	// AuditRetention is how long audit records stay in the ledger
	// (audit_retention; 0: forever); AuditArchivePath where they are
	// archived before they leave it (default <path>/audit-archive).
	AuditRetention   time.Duration
	AuditArchivePath string
	// AuditArchiveS3 says how to reach an archive path s3://bucket/prefix
	// (the audit_archive_s3_* attributes).
	AuditArchiveS3 S3Archive
}

// S3Archive is the audit_archive_s3_* attributes: Vault's s3 storage
// backend attributes, for the audit archive. Empty ones come from the AWS
// SDK's default chain.
type S3Archive struct {
	Endpoint, Region                   string
	ForcePathStyle                     bool
	AccessKey, SecretKey, SessionToken string
}

// RetryJoin is one `retry_join` block: another node of the cluster.
type RetryJoin struct {
	// LeaderAPIAddr is the node's API URL, as in Vault.
	LeaderAPIAddr string
	// LeaderClusterAddr is the node's cluster URL (its NATS routes). It
	// is a Coffer extension; unset, it is LeaderAPIAddr's host with the
	// port after the API port (Vault's own default for cluster_addr).
	LeaderClusterAddr string
	// LeaderCACertFile is a PEM file of the CA that signs the nodes'
	// certificates; LeaderClientCertFile and LeaderClientKeyFile the
	// certificate this node shows the others. Vault's names; Coffer uses
	// them for the routes between the embedded NATS servers (RouteTLS).
	LeaderCACertFile     string
	LeaderClientCertFile string
	LeaderClientKeyFile  string
}

// ClusterHostPort is host:port of the node's NATS routes.
func (r RetryJoin) ClusterHostPort() (string, error) {
	if r.LeaderClusterAddr != "" {
		u, err := url.Parse(r.LeaderClusterAddr)
		if err != nil {
			return "", err
		}
		return u.Host, nil
	}
	return NextPort(r.LeaderAPIAddr)
}

// NextPort returns host:port+1 of an http(s) URL (Vault's default
// cluster port: the API port plus one).
func NextPort(apiURL string) (string, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return "", err
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("config: port of %s: %w", apiURL, err)
	}
	return net.JoinHostPort(host, strconv.Itoa(n+1)), nil
}

// NATS is the optional `nats` block inside storage: an external JetStream
// cluster.
type NATS struct {
	URLs []string
	// CredsFile is a NATS credentials file (JWT and nkey seed).
	CredsFile string
	// User and Password authenticate with a user name and password.
	User     string
	Password Sensitive
	// NkeySeedFile holds an nkey seed for nkey authentication.
	NkeySeedFile string
	// TLS is the client TLS configuration (nil: none beyond tls:// URLs).
	TLS *NATSTLS
	// Stream is the ledger stream's name (COFFER_LEDGER).
	Stream string
	// Replicas is the stream replication factor (1 to 5; 3 if unset).
	Replicas int
}

// NATSTLS is the `tls` block inside `nats`.
type NATSTLS struct {
	CAFile   string
	CertFile string
	KeyFile  string
}

// DefaultNATSReplicas is the replication factor of an external cluster
// when the nats block does not say (R3, as the design prescribes).
const DefaultNATSReplicas = 3

// DefaultStream is the ledger stream's name.
const DefaultStream = "COFFER_LEDGER"

// Listener is a `listener "tcp"` block.
type Listener struct {
	// Type is the block label; only "tcp" exists.
	Type string
	// Address is host:port ("127.0.0.1:8200" if unset, as in Vault).
	Address     string
	TLSCertFile string
	TLSKeyFile  string
	TLSDisable  bool
	// TLSMinVersion is "tls12" (the default) or "tls13".
	TLSMinVersion string
	// Telemetry is the listener's telemetry block.
	Telemetry ListenerTelemetry
}

// DefaultAddress is a listener's address when the block does not say.
const DefaultAddress = "127.0.0.1:8200"

// TLSVersion returns the crypto/tls constant for TLSMinVersion.
func (l Listener) TLSVersion() uint16 {
	if l.TLSMinVersion == "tls13" {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

// Seal types.
const (
	SealShamir = "shamir"
	SealAWSKMS = "awskms"
)

// Seal is the `seal` block.
type Seal struct {
	// Type is "shamir" or "awskms".
	Type string
	// AWSKMS is set when Type is "awskms".
	AWSKMS *AWSKMS
}

// AWSKMS is the body of `seal "awskms"`.
type AWSKMS struct {
	Region   string
	KMSKeyID string
	Endpoint string
	// AccessKey is an access key id (an identifier, not a secret).
	AccessKey    string
	SecretKey    Sensitive
	SessionToken Sensitive
}

// Sensitive is a configuration value that must never be printed: fmt,
// %#v and text or JSON encoders all see "[redacted]". Reveal returns it.
type Sensitive string

const redacted = "[redacted]"

func (s Sensitive) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Sensitive) GoString() string { return `"` + s.String() + `"` }

// MarshalText keeps encoders from writing the value.
func (s Sensitive) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the value itself, for handing to the code that uses it.
func (s Sensitive) Reveal() string { return string(s) }
