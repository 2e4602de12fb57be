package transparency

import (
	"encoding/json"
	"fmt"
)

// Data renders the report as a Vault response's data map (its JSON field
// names), for the sys/ledger/verify endpoint; ReportFromData reads it back.
func (r Report) Data() map[string]any { return toData(r) }

// Data renders the proof as a Vault response's data map, for
// sys/ledger/prove/:index; ProofFromData reads it back.
func (p Proof) Data() map[string]any { return toData(p) }

// ReportFromData decodes what Report.Data produced, after a trip through
// JSON.
func ReportFromData(data map[string]any) (Report, error) {
	var r Report
	return r, fromData(data, &r)
}

// ProofFromData decodes what Proof.Data produced, after a trip through JSON.
func ProofFromData(data map[string]any) (Proof, error) {
	var p Proof
	return p, fromData(data, &p)
}

func toData(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("transparency: report does not marshal: " + err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("transparency: report does not unmarshal: " + err.Error())
	}
	return m
}

func fromData(data map[string]any, v any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}
