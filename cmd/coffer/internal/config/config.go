package config

import "crypto/tls"

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
	// DisableMlock is accepted from Vault configs and has no effect.
	DisableMlock bool
	// Warnings are things worth logging at start-up, each naming its place
	// in the file (or its environment variable).
	Warnings []string
}

// Storage is the `storage "ledger"` block.
type Storage struct {
	// Type is the block label; only "ledger" exists.
	Type string
	// Path is the data directory (nats/ and projections/ below it).
	Path string
	// NATS, when set, names an external JetStream cluster instead of the
	// embedded server.
	NATS *NATS
}

// NATS is the optional `nats` block inside storage.
type NATS struct {
	URLs []string
	// Replicas is the stream replication factor (1 to 5; 3 if unset).
	Replicas int
}

// DefaultNATSReplicas is the replication factor of an external cluster
// when the nats block does not say (R3, as the design prescribes).
const DefaultNATSReplicas = 3

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
