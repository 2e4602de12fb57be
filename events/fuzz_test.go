package events_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/cofferhq/coffer/ledger"
)

// FuzzUpcast: any stored event of any registered type and schema, with
// any payload bytes, is lifted to the current schema or refused with
// ledger.ErrCorrupt; never a panic, never a schema past the current one.
func FuzzUpcast(f *testing.F) {
	types := ledger.EventTypes()
	f.Add(uint8(0), uint8(1), []byte(`{}`))
	f.Add(uint8(3), uint8(0), []byte(`{"id":"x"}`))
	f.Add(uint8(7), uint8(1), []byte(`null`))
	f.Add(uint8(11), uint8(2), []byte(`[1,2,3]`))
	f.Add(uint8(5), uint8(1), []byte(`{"path":"a","version":-1}`))
	f.Fuzz(func(t *testing.T, typ, schema uint8, data []byte) {
		if len(types) == 0 {
			t.Skip("no event types registered")
		}
		et := types[int(typ)%len(types)]
		e := ledger.Event{Type: et.Name, Schema: int(schema) % (et.Schema + 2), Data: json.RawMessage(data)}
		err := ledger.Upcast(&e)
		if err != nil {
			if !errors.Is(err, ledger.ErrCorrupt) {
				t.Fatalf("Upcast %s v%d: error %v is not ErrCorrupt", et.Name, e.Schema, err)
			}
			return
		}
		if e.Schema > et.Schema+1 {
			t.Fatalf("Upcast %s lifted to schema %d past the current %d", et.Name, e.Schema, et.Schema)
		}
	})
}
