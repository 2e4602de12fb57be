package events

import (
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

// describe reads one item from the scratch read models: the first of the
// modules' state queries that knows the path answers (a policy, a token by
// accessor, a lease, a KV v2 secret, ...).
func (h *Hub) describe(sv *framework.StateView, path string) (map[string]any, error) {
	if h.opts.Deps.Ledger.Barrier() == nil {
		return nil, ledger.ErrSealed
	}
	for _, q := range h.opts.StateQueries {
		data, ok, err := q.Describe(sv, path)
		if ok || err != nil {
			return data, err
		}
	}
	return nil, fmt.Errorf("%w: %q is not a policy, token accessor, lease or KV v2 secret at that time", ErrUnsupportedPath, path)
}

// tokenAccessor is the accessor a token record names (the hub watches
// revocations to end their subscribers' streams).
func tokenAccessor(rec *ledger.Record) string {
	var e struct {
		Accessor string `json:"accessor"`
	}
	_ = json.Unmarshal(rec.Data, &e)
	return e.Accessor
}
