package metrics

import (
	"errors"

	"github.com/cofferhq/coffer/engines/framework"
)

// metricsPaths serve sys/metrics with a token (read on sys/metrics, as in
// Vault); Wrap answers it without one when the configuration allows.
func (r *Registry) metricsPaths() *framework.Backend {
	return &framework.Backend{Paths: []*framework.Path{{
		Pattern:  `metrics`,
		Synopsis: "The node's metrics, in Prometheus's text format (format=prometheus) or Vault's JSON.",
		Fields: map[string]*framework.FieldSchema{
			"format": {Type: framework.TypeString, Query: true, Description: `"prometheus" for Prometheus's text exposition format; JSON otherwise.`},
		},
		Operations: readOnly(func(req *framework.Request) (*framework.Response, error) {
			body, ct, err := r.render(req.String("format"))
			if errors.Is(err, ErrPrometheusDisabled) {
				return nil, framework.BadRequest("prometheus is not enabled")
			}
			if err != nil {
				return nil, err
			}
			return &framework.Response{Raw: body, RawContentType: ct}, nil
		}),
	}}}
}
