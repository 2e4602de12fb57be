package config

import (
	"errors"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/require"
)

// base is a valid file; bad cases append to it from line 7 on, or replace
// it.
const base = `storage "ledger" {
  path = "/data"
}
listener "tcp" {
  tls_disable = true
}
`

func TestParseBadConfigs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		at   string // file:line:column of the (first) problem
		want string // part of the message
	}{
		{"unknown top-level attribute", base + `cluster_name = "x"` + "\n", "coffer.hcl:7:1", `Unsupported argument; An argument named "cluster_name" is not expected here.`},
		{"unknown block", base + "replication {\n}\n", "coffer.hcl:7:1", `Unsupported block type; Blocks of type "replication" are not expected here.`},
		{"bad retention", base + "telemetry {\n  prometheus_retention_time = \"soon\"\n}\n", "coffer.hcl:8:31", `prometheus_retention_time must be a duration such as "24h"`},
		{"unknown telemetry attribute", base + "telemetry {\n  statsd_address = \"x:8125\"\n}\n", "coffer.hcl:8:3", `An argument named "statsd_address" is not expected here.`},
		{"unknown listener attribute", `storage "ledger" { path = "/d" }
listener "tcp" {
  tls_disable        = true
  tls_client_ca_file = "ca.pem"
}
`, "coffer.hcl:4:3", `An argument named "tls_client_ca_file" is not expected here.`},
		{"bad audit_retention", `storage "ledger" {
  path            = "/d"
  audit_retention = "0d"
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:21", `audit_retention must be a positive duration such as "90d"`},
		{"bad audit_retention unit", `storage "ledger" {
  path            = "/d"
  audit_retention = "90 days"
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:21", `audit_retention must be a duration such as "24h"`},
		{"s3 attributes without an s3 archive", `storage "ledger" {
  path                      = "/d"
  audit_retention           = "1d"
  audit_archive_s3_region   = "eu-west-1"
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:4:3", `need audit_archive_path = "s3://bucket/prefix"`},
		{"s3 archive without a bucket", `storage "ledger" {
  path               = "/d"
  audit_archive_path = "s3:///prefix"
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:24", `an S3 archive is named "s3://bucket"`},
		{"s3 access key without its secret", `storage "ledger" {
  path                        = "/d"
  audit_archive_path          = "s3://b"
  audit_archive_s3_access_key = "AKIA..."
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:4:33", `go together`},
		{"bad snapshot_keep", `storage "ledger" {
  path          = "/d"
  snapshot_keep = 0
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:19", "snapshot_keep must be at least 1"},
		{"unknown storage attribute", `storage "ledger" {
  path      = "/d"
  performance_multiplier = 1
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:3", `An argument named "performance_multiplier" is not expected here.`},
		{"unknown seal attribute", base + `seal "awskms" {
  kms_key_id = "k"
  disabled   = true
}
`, "coffer.hcl:9:3", `An argument named "disabled" is not expected here.`},
		{"attributes in a shamir seal", base + `seal "shamir" {
  key = "x"
}
`, "coffer.hcl:8:3", `An argument named "key" is not expected here.`},
		{"number for a string", `storage "ledger" { path = "/d" }
listener "tcp" {
  address     = 8200
  tls_disable = true
}
`, "coffer.hcl:3:17", "address must be a string, not number."},
		{"bool for a string", `storage "ledger" { path = true }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:27", "path must be a string, not bool."},
		{"word for a bool", `storage "ledger" { path = "/d" }
listener "tcp" { tls_disable = "maybe" }
`, "coffer.hcl:2:32", "tls_disable must be a boolean"},
		{"two for a bool", base + "disable_mlock = 2\n", "coffer.hcl:7:17", "disable_mlock must be a boolean"},
		{"string for a number", `storage "ledger" {
  path = "/d"
  nats {
    urls     = ["nats://a:4222"]
    replicas = "3"
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:5:16", "replicas must be a number, not string."},
		{"fraction for a number", `storage "ledger" {
  path = "/d"
  nats {
    urls     = ["nats://a:4222"]
    replicas = 2.5
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:5:16", "replicas must be a whole number."},
		{"too many replicas", `storage "ledger" {
  path = "/d"
  nats {
    urls     = ["nats://a:4222"]
    replicas = 7
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:5:16", "replicas must be between 1 and 5"},
		{"string for a list", `storage "ledger" {
  path = "/d"
  nats {
    urls = "nats://a:4222"
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:4:12", "urls must be a list of strings, not string."},
		{"numbers in a list", `storage "ledger" {
  path = "/d"
  nats {
    urls = ["nats://a:4222", 4222]
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:4:12", "urls must be a list of strings."},
		{"not a NATS URL", `storage "ledger" {
  path = "/d"
  nats {
    urls = ["a:4222"]
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:4:12", `"a:4222" is not a NATS URL`},
		{"nats without urls", `storage "ledger" {
  path = "/d"
  nats {
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:8", `The argument "urls" is required`},
		{"storage without path", `storage "ledger" {
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:18", `The argument "path" is required`},
		{"empty path", `storage "ledger" { path = "" }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:27", "path must not be empty."},
		{"null path", `storage "ledger" { path = null }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:27", "path must not be null."},
		{"variable reference", `storage "ledger" { path = var.dir }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:27", "Variables not allowed"},
		{"function call", `storage "ledger" { path = upper("x") }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:27", "Function calls not allowed"},
		{"no storage block", `listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:1", "Missing storage block"},
		{"no listener block", `storage "ledger" { path = "/d" }
`, "coffer.hcl:1:1", "Missing listener block"},
		{"TLS without files", `storage "ledger" { path = "/d" }
listener "tcp" {
  address = "127.0.0.1:8200"
}
`, "coffer.hcl:2:16", `The argument "tls_cert_file" is required unless tls_disable = true.`},
		{"TLS with a cert but no key", `storage "ledger" { path = "/d" }
listener "tcp" {
  tls_cert_file = "c.pem"
}
`, "coffer.hcl:2:16", `The argument "tls_key_file" is required unless tls_disable = true.`},
		{"old TLS version", `storage "ledger" { path = "/d" }
listener "tcp" {
  tls_cert_file   = "c.pem"
  tls_key_file    = "k.pem"
  tls_min_version = "tls10"
}
`, "coffer.hcl:5:21", `tls_min_version must be "tls12" or "tls13"`},
		{"address without port", `storage "ledger" { path = "/d" }
listener "tcp" {
  address     = "127.0.0.1"
  tls_disable = true
}
`, "coffer.hcl:3:17", "address must be host:port."},
		{"address with a bad port", `storage "ledger" { path = "/d" }
listener "tcp" {
  address     = "127.0.0.1:http"
  tls_disable = true
}
`, "coffer.hcl:3:17", "address has an invalid port."},
		{"two listeners on one address", base + `listener "tcp" {
  tls_disable = true
}
`, "coffer.hcl:7:1", "Another listener already uses 127.0.0.1:8200."},
		{"storage type", `storage "consul" { path = "/d" }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:9", `storage "consul" is not supported; use "ledger" (or "raft", its synonym).`},
		{"retry_join without node_id", `storage "raft" {
  path = "/d"
  retry_join { leader_api_addr = "https://n2:8200" }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:1", "needs a node_id"},
		{"retry_join with nats", `storage "ledger" {
  path    = "/d"
  node_id = "n1"
  retry_join { leader_api_addr = "https://n2:8200" }
  nats { urls = ["nats://a:4222"] }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:1", "Use one or the other."},
		{"retry_join bad url", `storage "raft" {
  path    = "/d"
  node_id = "n1"
  retry_join { leader_api_addr = "n2:8200" }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:4:34", "leader_api_addr must be an http:// or https:// URL."},
		{"nats two credentials", `storage "ledger" {
  path = "/d"
  nats {
    urls       = ["nats://a:4222"]
    creds_file = "/c"
    user       = "u"
    password   = "p"
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:3", "Use one of creds_file, user/password or nkey_seed_file."},
		{"nats user without password", `storage "ledger" {
  path = "/d"
  nats {
    urls = ["nats://a:4222"]
    user = "u"
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:3:3", "user and password go together."},
		{"nats other stream", `storage "ledger" {
  path = "/d"
  nats {
    urls   = ["nats://a:4222"]
    stream = "OTHER"
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:5:14", `stream must be "COFFER_LEDGER"`},
		{"nats tls cert without key", `storage "ledger" {
  path = "/d"
  nats {
    urls = ["nats://a:4222"]
    tls { cert_file = "c.pem" }
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:5:5", "cert_file and key_file go together."},
		{"listener type", `storage "ledger" { path = "/d" }
listener "unix" { address = "/run/coffer.sock" }
`, "coffer.hcl:2:10", `listener "unix" is not supported; use "tcp".`},
		{"seal type", base + `seal "gcpckms" {
  project = "p"
}
`, "coffer.hcl:7:6", `seal "gcpckms" is not supported; use "shamir" or "awskms".`},
		{"missing label", `storage { path = "/d" }
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:9", "Missing type for storage"},
		{"awskms without key id", base + `seal "awskms" {
  region = "us-east-1"
}
`, "coffer.hcl:7:15", "The awskms seal needs kms_key_id"},
		{"access key without secret", base + `seal "awskms" {
  kms_key_id = "k"
  access_key = "AKIA"
}
`, "coffer.hcl:7:1", "access_key and secret_key go together"},
		{"bad endpoint", base + `seal "awskms" {
  kms_key_id = "k"
  endpoint   = "127.0.0.1:4599"
}
`, "coffer.hcl:9:16", "endpoint must be an http:// or https:// URL."},
		{"log level", base + "log_level = \"loud\"\n", "coffer.hcl:7:13", `"loud" is not a log level`},
		{"api_addr without scheme", base + "api_addr = \"coffer-1:8200\"\n", "coffer.hcl:7:12", "api_addr must be an http:// or https:// URL."},
		{"cluster_addr without host", base + "cluster_addr = \"https://\"\n", "coffer.hcl:7:16", "cluster_addr must name a host."},
		{"two storage blocks", base + `storage "ledger" {
  path = "/other"
}
`, "coffer.hcl:7:1", "Only one storage block is allowed; the first is at coffer.hcl:1:1."},
		{"two seal blocks", base + `seal "shamir" {}
seal "awskms" {
  kms_key_id = "k"
}
`, "coffer.hcl:8:1", "Only one seal block is allowed"},
		{"two nats blocks", `storage "ledger" {
  path = "/d"
  nats {
    urls = ["nats://a:4222"]
  }
  nats {
    urls = ["nats://b:4222"]
  }
}
listener "tcp" { tls_disable = true }
`, "coffer.hcl:6:3", "Only one nats block is allowed"},
		{"syntax error", `storage "ledger" {
  path = "/d"
listener "tcp" { tls_disable = true }
`, "coffer.hcl:1:18", "Unclosed configuration block"},
		{"UI flag of the wrong type", base + "ui = \"yes please\"\n", "coffer.hcl:7:6", "ui must be a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.src), "coffer.hcl", nil)
			require.Nil(t, cfg)
			require.ErrorIs(t, err, ErrInvalid)
			var cerr *Error
			require.True(t, errors.As(err, &cerr))
			first := firstError(cerr.Diagnostics)
			require.NotNil(t, first.Subject, "every file problem has a position")
			require.Equal(t, tt.at, describe(first)[:len(tt.at)], "position of %q", describe(first))
			require.Contains(t, err.Error(), tt.at+": ")
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func firstError(diags hcl.Diagnostics) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d
		}
	}
	return nil
}

// All problems are reported at once, each on its own line, so one run of
// the server shows everything to fix.
func TestEveryProblemIsReported(t *testing.T) {
	_, err := Parse([]byte(`storage "ledger" {
  path  = 1
  extra = 2
}
listener "tcp" {
  tls_min_version = "ssl3"
}
log_level = "loud"
`), "coffer.hcl", nil)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	msg := err.Error()
	for _, at := range []string{"coffer.hcl:2:11", "coffer.hcl:3:3", "coffer.hcl:6:21", "coffer.hcl:5:16", "coffer.hcl:8:13"} {
		require.Contains(t, msg, "\n\t"+at+": ")
	}
}

// Secret values never appear in errors, even when they are the problem.
func TestErrorsDoNotQuoteSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI-K7MDENG-do-not-print"
	for _, src := range []string{
		base + "seal \"awskms\" {\n  kms_key_id = \"k\"\n  secret_key = \"" + secret + "\"\n}\n",
		base + "seal \"awskms\" {\n  kms_key_id = \"k\"\n  access_key = \"A\"\n  secret_key = [\"" + secret + "\"]\n}\n",
		base + "seal \"awskms\" {\n  kms_key_id = \"k\"\n  access_key = \"A\"\n  secret_key = \"" + secret + "\"\n  session_token = 5\n}\nbad = 1\n",
	} {
		_, err := Parse([]byte(src), "coffer.hcl", nil)
		require.ErrorIs(t, err, ErrInvalid)
		require.NotContains(t, err.Error(), secret)
	}
}
