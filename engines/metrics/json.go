package metrics

import (
	"encoding/json"
	"fmt"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// The JSON format is Vault's (go-metrics' in-memory summary): gauges,
// counters and samples, each with its name and labels. Histograms and
// summaries become samples (count, sum, mean); their buckets are in the
// Prometheus format only.
type jsonSummary struct {
	Timestamp string        `json:"Timestamp"`
	Gauges    []jsonGauge   `json:"Gauges"`
	Counters  []jsonSampled `json:"Counters"`
	Samples   []jsonSampled `json:"Samples"`
}

type jsonGauge struct {
	Name   string            `json:"Name"`
	Value  float64           `json:"Value"`
	Labels map[string]string `json:"Labels"`
}

type jsonSampled struct {
	Name string `json:"Name"`
	// Value is a counter's cumulative value (the web UI turns two polls
	// into a rate); absent from samples.
	Value  *float64          `json:"Value,omitempty"`
	Count  float64           `json:"Count"`
	Sum    float64           `json:"Sum"`
	Mean   float64           `json:"Mean"`
	Labels map[string]string `json:"Labels"`
}

// JSON renders every metric in Vault's JSON shape.
func (r *Registry) JSON() ([]byte, error) {
	mfs, err := r.reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("metrics: gather: %w", err)
	}
	out := jsonSummary{Timestamp: r.now().UTC().Format(time.RFC3339), Gauges: []jsonGauge{}, Counters: []jsonSampled{}, Samples: []jsonSampled{}}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name, labels := mf.GetName(), labelMap(m)
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				v := m.GetCounter().GetValue()
				out.Counters = append(out.Counters, jsonSampled{Name: name, Value: &v, Count: v, Sum: v, Labels: labels})
			case dto.MetricType_GAUGE:
				out.Gauges = append(out.Gauges, jsonGauge{Name: name, Value: m.GetGauge().GetValue(), Labels: labels})
			case dto.MetricType_UNTYPED:
				out.Gauges = append(out.Gauges, jsonGauge{Name: name, Value: m.GetUntyped().GetValue(), Labels: labels})
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out.Samples = append(out.Samples, sampled(name, float64(h.GetSampleCount()), h.GetSampleSum(), labels))
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				out.Samples = append(out.Samples, sampled(name, float64(s.GetSampleCount()), s.GetSampleSum(), labels))
			}
		}
	}
	return json.Marshal(out)
}

func sampled(name string, count, sum float64, labels map[string]string) jsonSampled {
	s := jsonSampled{Name: name, Count: count, Sum: sum, Labels: labels}
	if count > 0 {
		s.Mean = sum / count
	}
	return s
}

func labelMap(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}
