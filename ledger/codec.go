package ledger

import (
	"encoding/json"
	"fmt"
	"sync"
)

// batchFormat is the layout version of a batch message body.
const batchFormat = 1

type batchBody struct {
	Format int     `json:"f"`
	Events []Event `json:"e"`
}

func encodeBatch(events []Event) ([]byte, error) {
	return json.Marshal(batchBody{Format: batchFormat, Events: events})
}

func decodeBatch(b []byte) ([]Event, error) {
	var body batchBody
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("%w: batch body: %v", ErrCorrupt, err)
	}
	if body.Format != batchFormat {
		return nil, fmt.Errorf("%w: batch format %d", ErrCorrupt, body.Format)
	}
	for i := range body.Events {
		if err := upcast(&body.Events[i]); err != nil {
			return nil, err
		}
	}
	return body.Events, nil
}

// Upcaster lifts an event's Data from schema `from` to from+1.
type Upcaster func(data []byte) ([]byte, error)

var (
	upcastersMu sync.RWMutex
	upcasters   = map[string]map[int]Upcaster{}
)

// RegisterUpcaster installs the function that lifts events of type typ from
// schema `from` to from+1. Registration happens at package init of the
// aggregate that owns the type.
func RegisterUpcaster(typ string, from int, fn Upcaster) {
	upcastersMu.Lock()
	defer upcastersMu.Unlock()
	if upcasters[typ] == nil {
		upcasters[typ] = map[int]Upcaster{}
	}
	upcasters[typ][from] = fn
}

func upcast(e *Event) error {
	upcastersMu.RLock()
	chain := upcasters[e.Type]
	upcastersMu.RUnlock()
	for chain != nil {
		fn, ok := chain[e.Schema]
		if !ok {
			return nil
		}
		data, err := fn(e.Data)
		if err != nil {
			return fmt.Errorf("%w: upcast %s from schema %d: %v", ErrCorrupt, e.Type, e.Schema, err)
		}
		e.Data = data
		e.Schema++
	}
	return nil
}
