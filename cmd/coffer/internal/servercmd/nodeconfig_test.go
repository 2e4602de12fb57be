package servercmd

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/config"
	"github.com/cofferhq/coffer/engines/metrics"
)

func TestTelemetryReachesTheNode(t *testing.T) {
	parse := func(src string) metrics.Config {
		fc, err := config.Parse([]byte(src), "coffer.hcl", nil)
		require.NoError(t, err)
		cfg, err := nodeConfig(fc)
		require.NoError(t, err)
		tel := cfg.Telemetry
		require.NotNil(t, tel.Sanitized)
		tel.Sanitized = nil
		return tel
	}
	const base = "storage \"ledger\" { path = \"/d\" }\n"
	require.Equal(t, metrics.Config{}, parse(base+`listener "tcp" { tls_disable = true }`), "unset: the defaults, a token needed")
	require.Equal(t, metrics.Config{Retention: time.Hour, Unauthenticated: true}, parse(base+`
listener "tcp" {
  tls_disable = true
  telemetry { unauthenticated_metrics_access = true }
}
telemetry { prometheus_retention_time = "1h" }`))
	require.Equal(t, metrics.Config{PrometheusDisabled: true}, parse(base+`listener "tcp" { tls_disable = true }
telemetry { prometheus_retention_time = 0 }`))
}

func TestSanitizedConfigHoldsNoSecret(t *testing.T) {
	fc, err := config.Parse([]byte(`storage "ledger" { path = "/d" }
listener "tcp" { tls_disable = true }
seal "awskms" {
  region     = "us-east-1"
  kms_key_id = "alias/k"
  access_key = "AKIAEXAMPLE"
  secret_key = "very-secret-key"
}
`), "coffer.hcl", nil)
	require.NoError(t, err)
	b, err := json.Marshal(sanitized(fc))
	require.NoError(t, err)
	require.NotContains(t, string(b), "very-secret-key")
	require.NotContains(t, string(b), "AKIAEXAMPLE")
	require.Contains(t, string(b), `"seals":[{"disabled":false,"type":"awskms"}]`)
}
