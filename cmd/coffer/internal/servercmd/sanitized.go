package servercmd

import "github.com/cofferhq/coffer/cmd/coffer/internal/config"

// sanitized is the configuration as sys/config/state/sanitized shows it,
// in Vault's shape: no secret (the seal shows only its type, as Vault's
// does), file paths and addresses kept.
func sanitized(fc *config.Config) map[string]any {
	listeners := make([]any, 0, len(fc.Listeners))
	for _, l := range fc.Listeners {
		listeners = append(listeners, map[string]any{"type": l.Type, "config": map[string]any{
			"address": l.Address, "tls_disable": l.TLSDisable, "tls_cert_file": l.TLSCertFile,
			"tls_key_file": l.TLSKeyFile, "tls_min_version": l.TLSMinVersion,
			"telemetry": map[string]any{"unauthenticated_metrics_access": l.Telemetry.UnauthenticatedMetricsAccess},
		}})
	}
	storage := map[string]any{"type": fc.Storage.Type, "path": fc.Storage.Path}
	if fc.Storage.NATS != nil {
		storage["nats"] = map[string]any{"urls": fc.Storage.NATS.URLs, "replicas": fc.Storage.NATS.Replicas}
	}
	return map[string]any{
		"storage":       storage,
		"listeners":     listeners,
		"seals":         []any{map[string]any{"type": fc.Seal.Type, "disabled": false}},
		"api_addr":      fc.APIAddr,
		"cluster_addr":  fc.ClusterAddr,
		"log_level":     fc.LogLevel,
		"ui":            fc.UI,
		"disable_mlock": fc.DisableMlock,
		"telemetry": map[string]any{
			"prometheus_retention_time": fc.Telemetry.PrometheusRetentionTime.String(),
			"disable_hostname":          fc.Telemetry.DisableHostname,
		},
	}
}

// sanitizedDev describes a dev server the same way.
func sanitizedDev(dataDir, listen string) map[string]any {
	return map[string]any{
		"dev":       true,
		"storage":   map[string]any{"type": "ledger", "path": dataDir},
		"listeners": []any{map[string]any{"type": "tcp", "config": map[string]any{"address": listen, "tls_disable": true}}},
		"seals":     []any{map[string]any{"type": "dev", "disabled": false}},
		"ui":        true,
	}
}
