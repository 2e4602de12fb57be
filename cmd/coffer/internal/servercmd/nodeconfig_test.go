package servercmd

import (
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
		return cfg.Telemetry
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
