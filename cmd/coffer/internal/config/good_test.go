package config

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// issueExample is the configuration from issue 3, verbatim.
const issueExample = `storage "ledger" {
  path = "/var/lib/coffer"        # holds nats/ and projections/, as in dev mode
  # nats { urls = [...], replicas = 3 }   -- later: an external JetStream cluster
}
listener "tcp" {
  address         = "127.0.0.1:8200"
  tls_cert_file   = "/etc/coffer/tls.crt"
  tls_key_file    = "/etc/coffer/tls.key"
  # tls_disable   = true
  # tls_min_version = "tls12"
}
seal "awskms" {
  region     = "us-east-1"
  kms_key_id = "alias/coffer-unseal"
  endpoint   = "http://127.0.0.1:4599"   # optional, for KMS-compatible servers
  # access_key / secret_key optional; otherwise the AWS SDK's default chain
}
api_addr  = "https://coffer-1:8200"
log_level = "info"
`

func TestParseGoodConfigs(t *testing.T) {
	tests := []struct {
		name     string
		filename string
		src      string
		want     Config
	}{
		{
			name: "issue 3 example",
			src:  issueExample,
			want: Config{
				Storage: Storage{Type: "ledger", Path: "/var/lib/coffer"},
				Listeners: []Listener{{
					Type: "tcp", Address: "127.0.0.1:8200",
					TLSCertFile: "/etc/coffer/tls.crt", TLSKeyFile: "/etc/coffer/tls.key",
					TLSMinVersion: "tls12",
				}},
				Seal: Seal{Type: "awskms", AWSKMS: &AWSKMS{
					Region: "us-east-1", KMSKeyID: "alias/coffer-unseal", Endpoint: "http://127.0.0.1:4599",
				}},
				APIAddr:  "https://coffer-1:8200",
				LogLevel: "info",
			},
		},
		{
			name: "minimal, defaults filled in",
			src: `storage "ledger" { path = "/data" }
listener "tcp" { tls_disable = true }
`,
			want: Config{
				Storage:   Storage{Type: "ledger", Path: "/data"},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name: "telemetry, as Vault's",
			src: `storage "ledger" { path = "/data" }
listener "tcp" {
  tls_disable = true
  telemetry {
    unauthenticated_metrics_access = true
  }
}
telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}
`,
			want: Config{
				Storage: Storage{Type: "ledger", Path: "/data"},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12",
					Telemetry: ListenerTelemetry{UnauthenticatedMetricsAccess: true}}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
				Telemetry: Telemetry{PrometheusRetentionTime: 30 * time.Second, Set: true, DisableHostname: true},
			},
		},
		{
			name: "telemetry off: retention 0 (seconds as a number)",
			src: `storage "ledger" { path = "/data" }
listener "tcp" { tls_disable = true }
telemetry { prometheus_retention_time = 0 }
`,
			want: Config{
				Storage:   Storage{Type: "ledger", Path: "/data"},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
				Telemetry: Telemetry{Set: true},
			},
		},
		{
			name: "Vault's raft snapshot attributes set the projection snapshot policy",
			src: `storage "raft" {
  path               = "/data"
  snapshot_threshold = 50000
  snapshot_interval  = "30m"
  snapshot_keep      = 5
}
listener "tcp" { tls_disable = true }
`,
			want: Config{
				Storage: Storage{Type: "ledger", RaftSynonym: true, Path: "/data",
					SnapshotThreshold: 50000, SnapshotInterval: 30 * time.Minute, SnapshotKeep: 5},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name: "audit retention in days, and the archive's directory",
			src: `storage "ledger" {
  path               = "/data"
  audit_retention    = "90d"
  audit_archive_path = "/archive/audit"
}
listener "tcp" { tls_disable = true }
`,
			want: Config{
				Storage:   Storage{Type: "ledger", Path: "/data", AuditRetention: 90 * 24 * time.Hour, AuditArchivePath: "/archive/audit"},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name: "an S3 audit archive on an S3-compatible server",
			src: `storage "ledger" {
  path                              = "/data"
  audit_retention                   = "30d"
  audit_archive_path                = "s3://coffer-audit/prod"
  audit_archive_s3_endpoint         = "https://s3.internal:9000"
  audit_archive_s3_region           = "eu-west-1"
  audit_archive_s3_force_path_style = true
  audit_archive_s3_access_key       = "AKIA..."
  audit_archive_s3_secret_key       = "s3cr3t"
}
listener "tcp" { tls_disable = true }
`,
			want: Config{
				Storage: Storage{Type: "ledger", Path: "/data", AuditRetention: 30 * 24 * time.Hour, AuditArchivePath: "s3://coffer-audit/prod",
					AuditArchiveS3: S3Archive{Endpoint: "https://s3.internal:9000", Region: "eu-west-1", ForcePathStyle: true, AccessKey: "AKIA...", SecretKey: "s3cr3t"}},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name: "audit retention as a duration",
			src: `storage "ledger" {
  path            = "/data"
  audit_retention = "36h"
}
listener "tcp" { tls_disable = true }
`,
			want: Config{
				Storage:   Storage{Type: "ledger", Path: "/data", AuditRetention: 36 * time.Hour},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name: "the tutorial's three-node raft stanza",
			src: `storage "raft" {
  path    = "/vault/data"
  node_id = "vault-node-1"
  retry_join {
    leader_api_addr = "https://vault-node-2:8200"
  }
  retry_join {
    leader_api_addr     = "https://vault-node-3:8200"
    leader_cluster_addr = "https://vault-node-3:9201"
  }
}
listener "tcp" { tls_disable = true }
api_addr     = "https://vault-node-1:8200"
cluster_addr = "https://vault-node-1:8201"
`,
			want: Config{
				Storage: Storage{Type: "ledger", RaftSynonym: true, Path: "/vault/data", NodeID: "vault-node-1", RetryJoin: []RetryJoin{
					{LeaderAPIAddr: "https://vault-node-2:8200"},
					{LeaderAPIAddr: "https://vault-node-3:8200", LeaderClusterAddr: "https://vault-node-3:9201"},
				}},
				Listeners:   []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:        Seal{Type: "shamir"},
				APIAddr:     "https://vault-node-1:8200",
				ClusterAddr: "https://vault-node-1:8201",
				LogLevel:    "info",
				Warnings: []string{"coffer.hcl:1:1: the routes between the nodes run in plaintext and take any peer: " +
					"set cluster_secret_file (or give the listener TLS) so that only this cluster's nodes can join"},
			},
		},
		{
			name: "external JetStream with nkey and client TLS",
			src: `storage "ledger" {
  path = "/data"
  nats {
    urls           = ["tls://n1:4222"]
    nkey_seed_file = "/etc/coffer/nats.nk"
    stream         = "COFFER_LEDGER"
    tls {
      ca_file   = "ca.pem"
      cert_file = "c.pem"
      key_file  = "k.pem"
    }
  }
}
listener "tcp" { tls_disable = true }
`,
			want: Config{
				Storage: Storage{Type: "ledger", Path: "/data", NATS: &NATS{
					URLs: []string{"tls://n1:4222"}, NkeySeedFile: "/etc/coffer/nats.nk", Stream: DefaultStream, Replicas: 3,
					TLS: &NATSTLS{CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem"},
				}},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name: "a Vault-style file",
			src: `storage "ledger" {
  path = "/opt/coffer/data"
}
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = 1
}
seal "shamir" {}
disable_mlock = true
cluster_addr  = "https://10.0.0.5:8201"
api_addr      = "http://10.0.0.5:8200"
log_level     = "WARNING"
`,
			want: Config{
				Storage:      Storage{Type: "ledger", Path: "/opt/coffer/data"},
				Listeners:    []Listener{{Type: "tcp", Address: "0.0.0.0:8200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:         Seal{Type: "shamir"},
				APIAddr:      "http://10.0.0.5:8200",
				ClusterAddr:  "https://10.0.0.5:8201",
				LogLevel:     "warn",
				DisableMlock: true,
			},
		},
		{
			name: "external NATS, two listeners, TLS 1.3, static credentials",
			src: `storage "ledger" {
  path = "/data"
  nats {
    urls = ["nats://n1:4222", "tls://n2:4222"]
  }
}
listener "tcp" {
  address         = "[::1]:8200"
  tls_cert_file   = "c.pem"
  tls_key_file    = "k.pem"
  tls_min_version = "tls13"
}
listener "tcp" {
  address     = "127.0.0.1:8210"
  tls_disable = "true"
}
seal "awskms" {
  kms_key_id    = "1234abcd-12ab-34cd-56ef-1234567890ab"
  access_key    = "AKIAIOSFODNN7EXAMPLE"
  secret_key    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  session_token = "tok"
}
`,
			want: Config{
				Storage: Storage{Type: "ledger", Path: "/data", NATS: &NATS{URLs: []string{"nats://n1:4222", "tls://n2:4222"}, Stream: DefaultStream, Replicas: 3}},
				Listeners: []Listener{
					{Type: "tcp", Address: "[::1]:8200", TLSCertFile: "c.pem", TLSKeyFile: "k.pem", TLSMinVersion: "tls13"},
					{Type: "tcp", Address: "127.0.0.1:8210", TLSDisable: true, TLSMinVersion: "tls12"},
				},
				Seal: Seal{Type: "awskms", AWSKMS: &AWSKMS{
					KMSKeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", AccessKey: "AKIAIOSFODNN7EXAMPLE",
					SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SessionToken: "tok",
				}},
				LogLevel: "info",
			},
		},
		{
			name: "explicit replicas",
			src: `storage "ledger" {
  path = "/data"
  nats {
    urls     = ["nats://n1:4222"]
    replicas = 1
  }
}
listener "tcp" {
  tls_disable   = false
  tls_cert_file = "c"
  tls_key_file = "k"
}
`,
			want: Config{
				Storage:   Storage{Type: "ledger", Path: "/data", NATS: &NATS{URLs: []string{"nats://n1:4222"}, Stream: DefaultStream, Replicas: 1}},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:8200", TLSCertFile: "c", TLSKeyFile: "k", TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "shamir"},
				LogLevel:  "info",
			},
		},
		{
			name:     "JSON syntax",
			filename: "coffer.json",
			src: `{
  "storage": {"ledger": {"path": "/data"}},
  "listener": {"tcp": {"address": "127.0.0.1:9200", "tls_disable": true}},
  "seal": {"awskms": {"kms_key_id": "alias/x", "region": "eu-west-1"}},
  "log_level": "debug"
}`,
			want: Config{
				Storage:   Storage{Type: "ledger", Path: "/data"},
				Listeners: []Listener{{Type: "tcp", Address: "127.0.0.1:9200", TLSDisable: true, TLSMinVersion: "tls12"}},
				Seal:      Seal{Type: "awskms", AWSKMS: &AWSKMS{KMSKeyID: "alias/x", Region: "eu-west-1"}},
				LogLevel:  "debug",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filename := tt.filename
			if filename == "" {
				filename = "coffer.hcl"
			}
			got, err := Parse([]byte(tt.src), filename, nil)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestUISetting(t *testing.T) {
	for text, want := range map[string]bool{"ui = true\n": true, "ui = false\n": false, "": false} {
		cfg, err := Parse([]byte(`storage "ledger" { path = "/d" }
listener "tcp" { tls_disable = true }
`+text), "coffer.hcl", nil)
		require.NoError(t, err)
		require.Equal(t, want, cfg.UI, "%q", text)
		require.Empty(t, cfg.Warnings, "the web UI exists: no warning")
	}
}

func TestTLSVersion(t *testing.T) {
	require.Equal(t, uint16(tls.VersionTLS12), Listener{TLSMinVersion: "tls12"}.TLSVersion())
	require.Equal(t, uint16(tls.VersionTLS13), Listener{TLSMinVersion: "tls13"}.TLSVersion())
	require.Equal(t, uint16(tls.VersionTLS12), Listener{}.TLSVersion())
}

func TestLoadReadsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coffer.hcl")
	require.NoError(t, os.WriteFile(path, []byte(issueExample), 0o600))
	cfg, err := Load(path, nil)
	require.NoError(t, err)
	require.Equal(t, "alias/coffer-unseal", cfg.Seal.AWSKMS.KMSKeyID)

	_, err = Load(filepath.Join(t.TempDir(), "absent.hcl"), nil)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NotErrorIs(t, err, ErrInvalid)

	// Diagnostics name the path as given.
	require.NoError(t, os.WriteFile(path, []byte("storage \"ledger\" {}\n"), 0o600))
	_, err = Load(path, nil)
	require.ErrorIs(t, err, ErrInvalid)
	require.Contains(t, err.Error(), path+":1:")
}

func TestRetryJoinClusterAddress(t *testing.T) {
	hp, err := RetryJoin{LeaderAPIAddr: "https://vault-node-2:8200"}.ClusterHostPort()
	require.NoError(t, err)
	require.Equal(t, "vault-node-2:8201", hp)
	hp, err = RetryJoin{LeaderAPIAddr: "https://a:8200", LeaderClusterAddr: "https://b:9000"}.ClusterHostPort()
	require.NoError(t, err)
	require.Equal(t, "b:9000", hp)
	hp, err = RetryJoin{LeaderAPIAddr: "https://a"}.ClusterHostPort()
	require.NoError(t, err)
	require.Equal(t, "a:444", hp)
}
