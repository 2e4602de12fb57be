package ledger

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
)

// batchFormat is the layout version of a batch message body.
const batchFormat = 1

// A batch message's plaintext starts with its codec: '{' is the JSON body
// as such (every message written before compression), codecS2 is an S2
// block of it. The codec byte is inside the sealed plaintext, so it is
// authenticated with the rest.
const codecS2 = 0x01

// compressBatch is what the writer seals: the JSON body as one S2 block.
// S2's default level, not "better": a group's body is mostly over 16 KB
// under load, where "better" clears a 576 KB hash table per call (64 KB
// at the default level) and cost twice the CPU for no smaller output on
// audit records (BenchmarkCompressBatch, 2026-12-03: 58-82 against
// 20-35 us per 26 KB body, 3,230-3,251 against 3,167-3,189 bytes). The
// block format is the same, so decoding does not change.
func compressBatch(body []byte) []byte { return appendCompressed(nil, body) }

// appendCompressed writes compressBatch(body) into dst's memory, growing
// it if it is too small, and returns it.
func appendCompressed(dst, body []byte) []byte {
	dst = slices.Grow(dst[:0], 1+s2.MaxEncodedLen(len(body)))[:1]
	dst[0] = codecS2
	return append(dst, s2.Encode(dst[1:cap(dst)], body)...)
}

// uncompressBatch returns the JSON body of a batch plaintext of either
// codec.
func uncompressBatch(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != codecS2 {
		return b, nil
	}
	n, err := s2.DecodedLen(b[1:])
	if err != nil || n > maxPayload {
		return nil, fmt.Errorf("%w: batch body: bad S2 block (%d bytes decoded, %v)", ErrCorrupt, n, err)
	}
	out, err := s2.Decode(make([]byte, n), b[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: batch body: %v", ErrCorrupt, err)
	}
	return out, nil
}

type batchBody struct {
	Format int     `json:"f"`
	Events []Event `json:"e"`
}

func encodeBatch(events []Event) ([]byte, error) {
	return json.Marshal(batchBody{Format: batchFormat, Events: events})
}

func decodeBatch(b []byte) ([]Event, error) {
	b, err := uncompressBatch(b)
	if err != nil {
		return nil, err
	}
	events, ok := decodeEventsFast(b)
	if !ok {
		if events, err = decodeBatchJSON(b); err != nil {
			return nil, err
		}
	}
	for i := range events {
		if err := upcast(&events[i]); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// decodeBatchJSON decodes a body through encoding/json: what
// decodeEventsFast does not take (codec_json.go), and the reference its
// tests compare it with.
func decodeBatchJSON(b []byte) ([]Event, error) {
	var body batchBody
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("%w: batch body: %v", ErrCorrupt, err)
	}
	if body.Format != batchFormat {
		return nil, fmt.Errorf("%w: batch format %d", ErrCorrupt, body.Format)
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
