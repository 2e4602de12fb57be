package events_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	_ "github.com/cofferhq/coffer/events/approleevent"
	_ "github.com/cofferhq/coffer/events/auditevent"
	_ "github.com/cofferhq/coffer/events/cubbyholeevent"
	_ "github.com/cofferhq/coffer/events/databaseevent"
	_ "github.com/cofferhq/coffer/events/kubernetesevent"
	_ "github.com/cofferhq/coffer/events/kvevent"
	_ "github.com/cofferhq/coffer/events/leaseevent"
	_ "github.com/cofferhq/coffer/events/mountevent"
	_ "github.com/cofferhq/coffer/events/pkievent"
	_ "github.com/cofferhq/coffer/events/policyevent"
	_ "github.com/cofferhq/coffer/events/snapshotevent"
	_ "github.com/cofferhq/coffer/events/tokenevent"
	_ "github.com/cofferhq/coffer/events/transitevent"
	_ "github.com/cofferhq/coffer/events/userpassevent"
	"github.com/cofferhq/coffer/ledger"
)

var fixtureName = regexp.MustCompile(`^(.+)\.v([0-9]+)\.json$`)

// TestEveryEventTypeHasAFixture: a new event type (or schema version)
// comes with its fixture.
func TestEveryEventTypeHasAFixture(t *testing.T) {
	types := ledger.EventTypes()
	if len(types) < 30 {
		t.Fatalf("only %d event types registered: are the schema packages imported?", len(types))
	}
	for _, et := range types {
		name := fmt.Sprintf("%s.v%d.json", et.Name, et.Schema)
		if _, err := os.Stat(filepath.Join("testdata", name)); err != nil {
			t.Errorf("event type %s schema %d has no fixture testdata/%s (node: go test -run TestRecordedLedger ./node -args -record writes the missing ones)", et.Name, et.Schema, name)
		}
	}
}

// TestFixturesDecodeUnchanged decodes every fixture as the ledger would
// (through the upcasters, from the fixture's schema to the type's current
// one) into the registered payload type, refusing unknown fields, and
// encodes it again: a fixture of the current schema must come back byte
// for byte (as canonical JSON), an older one must still decode.
func TestFixturesDecodeUnchanged(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		m := fixtureName.FindStringSubmatch(ent.Name())
		if m == nil {
			t.Errorf("testdata/%s: not <type>.v<schema>.json", ent.Name())
			continue
		}
		typ, schema := m[1], m[2]
		t.Run(ent.Name(), func(t *testing.T) {
			et, ok := ledger.LookupEventType(typ)
			if !ok {
				t.Fatalf("no registered event type %q: a fixture outlives a type only if its upcaster does", typ)
			}
			raw, err := os.ReadFile(filepath.Join("testdata", ent.Name()))
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.Atoi(schema)
			e := ledger.Event{Type: typ, Schema: n, Data: raw}
			if err := ledger.Upcast(&e); err != nil {
				t.Fatalf("upcast: %v", err)
			}
			if e.Schema != et.Schema {
				t.Fatalf("upcast to schema %d, the type is written with %d: an upcaster is missing", e.Schema, et.Schema)
			}
			v := reflect.New(et.Payload)
			dec := json.NewDecoder(bytes.NewReader(e.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v.Interface()); err != nil {
				t.Fatalf("decode into %s: %v", et.Payload, err)
			}
			if n != et.Schema {
				return // an old schema: decoding is the contract
			}
			again, err := json.Marshal(v.Interface())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := canonical(t, again), canonical(t, raw); got != want {
				t.Errorf("encoding changed:\nfixture: %s\nnow:     %s", want, got)
			}
		})
	}
}

func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
