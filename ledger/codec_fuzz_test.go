package ledger

import (
	"errors"
	"testing"
)

// FuzzDecodeBatch: a stored message body, however damaged, decodes or is
// refused with ErrCorrupt; what decodes encodes and decodes again to the
// same events.
func FuzzDecodeBatch(f *testing.F) {
	good, _ := encodeBatch([]Event{NewEvent("test.fuzzed", 1, map[string]any{"a": 1}), {Type: "x", Schema: 3}})
	for _, s := range [][]byte{good, []byte(`{"f":1,"e":[]}`), []byte(`{"f":2,"e":[]}`), []byte(`{"f":1,"e":null}`),
		[]byte(`{"f":1,"e":[{"type":"a","schema":-1,"data":{}}]}`), []byte(`[]`), []byte(``), []byte(`{"f":1,"e":[{}]}`)} {
		f.Add(s)
		f.Add(compressBatch(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := decodeBatch(body)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeBatch error %v is not ErrCorrupt", err)
			}
			return
		}
		again, err := encodeBatch(evs)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := decodeBatch(again)
		if err != nil || len(back) != len(evs) {
			t.Fatalf("round trip: %d events, then %d, %v", len(evs), len(back), err)
		}
	})
}
