package ledger

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// EventType is one registered kind of event: its name, the schema version
// new payloads are written with, and the Go type of that payload. Every
// event type is registered once, by the leaf package that owns its
// aggregate (see events/...), so the name and the schema are spelled in one
// place and the golden fixtures can be checked against the registry.
type EventType struct {
	Name    string
	Schema  int
	Payload reflect.Type
}

var (
	typesMu sync.RWMutex
	types   = map[string]EventType{}
)

// RegisterEventType declares an event type written with the given schema
// version and payload (a value of the payload's type, such as
// kvevent.VersionWritten{}). Registering a name twice is a programming error
// and panics.
func RegisterEventType(name string, schema int, payload any) {
	if name == "" || schema < 1 || payload == nil {
		panic("ledger: RegisterEventType needs a name, a schema >= 1 and a payload")
	}
	typesMu.Lock()
	defer typesMu.Unlock()
	if old, ok := types[name]; ok {
		panic(fmt.Sprintf("ledger: event type %q registered twice (schema %d and %d)", name, old.Schema, schema))
	}
	types[name] = EventType{Name: name, Schema: schema, Payload: reflect.TypeOf(payload)}
}

// LookupEventType returns the registered type called name.
func LookupEventType(name string) (EventType, bool) {
	typesMu.RLock()
	defer typesMu.RUnlock()
	t, ok := types[name]
	return t, ok
}

// EventTypes returns every registered type, ordered by name.
func EventTypes() []EventType {
	typesMu.RLock()
	defer typesMu.RUnlock()
	out := make([]EventType, 0, len(types))
	for _, t := range types {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b EventType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// MakeEvent builds an event of a registered type with the type's current
// schema, a fresh id and the current time. An unregistered type is a
// programming error and panics, so no event reaches the ledger without a
// schema version its readers know.
func MakeEvent(typ string, data any) Event {
	t, ok := LookupEventType(typ)
	if !ok {
		panic(fmt.Sprintf("ledger: event type %q is not registered", typ))
	}
	return NewEvent(typ, t.Schema, data)
}

// Upcast lifts e's payload to the newest schema its type has upcasters for,
// as decoding a stored message does.
func Upcast(e *Event) error { return upcast(e) }
