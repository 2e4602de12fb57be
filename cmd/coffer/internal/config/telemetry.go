package config

import (
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Telemetry is the top-level `telemetry` block, as in Vault.
type Telemetry struct {
	// PrometheusRetentionTime is prometheus_retention_time; Set says the
	// file gave it (0 then turns the Prometheus format off, as in Vault;
	// unset means the 24h default).
	PrometheusRetentionTime time.Duration
	Set                     bool
	// DisableHostname is accepted from Vault configs; Coffer's metric
	// names never carry the host name.
	DisableHostname bool
}

// ListenerTelemetry is a listener's `telemetry` block.
type ListenerTelemetry struct {
	// UnauthenticatedMetricsAccess serves sys/metrics without a token.
	UnauthenticatedMetricsAccess bool
}

var (
	telemetrySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "prometheus_retention_time"}, {Name: "disable_hostname"},
	}}
	listenerTelemetrySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "unauthenticated_metrics_access"}}}
)

func decodeTelemetry(d *decoder, b *hcl.Block) Telemetry {
	var t Telemetry
	content, diags := b.Body.Content(telemetrySchema)
	d.add(diags...)
	t.Set = d.duration(content.Attributes, "prometheus_retention_time", &t.PrometheusRetentionTime)
	d.boolean(content.Attributes, "disable_hostname", &t.DisableHostname)
	return t
}

func decodeListenerTelemetry(d *decoder, b *hcl.Block) ListenerTelemetry {
	var t ListenerTelemetry
	content, diags := b.Body.Content(listenerTelemetrySchema)
	d.add(diags...)
	d.boolean(content.Attributes, "unauthenticated_metrics_access", &t.UnauthenticatedMetricsAccess)
	return t
}

// duration decodes a duration as Vault reads one: a string Go's
// time.ParseDuration takes ("24h", "30s"), or a whole number of seconds.
func (d *decoder) duration(attrs hcl.Attributes, name string, dst *time.Duration) bool {
	a, v, present, ok := d.attribute(attrs, name)
	if !ok {
		return present
	}
	var s string
	switch v.Type() {
	case cty.String:
		s = v.AsString()
	case cty.Number:
		s = v.AsBigFloat().Text('f', -1)
	default:
		d.wrongType(a, "%s must be a duration such as \"24h\".", name)
		return true
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		s += "s" // a bare number is seconds
	}
	dur, err := time.ParseDuration(s)
	if err != nil || dur < 0 {
		d.add(problem(a.Expr.Range(), "Invalid "+name, "%s must be a duration such as \"24h\" or a number of seconds.", name))
		return true
	}
	*dst = dur
	return true
}
