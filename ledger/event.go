package ledger

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Event is one fact in the ledger. Everything in it is encrypted at rest: the
// envelope fields travel inside the sealed batch, never in subjects or
// headers.
type Event struct {
	// ID is unique per event (random 128 bits, hex).
	ID string `json:"id"`
	// Type is past tense, dotted: "kv.version_written", "audit.request".
	Type string `json:"type"`
	// Schema is the version of Data's layout for Type; upcasters lift old
	// schemas on read.
	Schema int `json:"schema"`
	// Kind and Aggregate name the aggregate the event belongs to; empty for
	// events that need no concurrency control (audit records).
	Kind      string `json:"kind,omitempty"`
	Aggregate string `json:"agg,omitempty"`
	// Version is the aggregate's version after this event (1 for the first).
	Version uint64 `json:"ver,omitempty"`
	// At is when the event was decided.
	At time.Time `json:"at"`
	// Actor is the token accessor (or "system") that caused the event.
	Actor       string `json:"actor,omitempty"`
	RequestID   string `json:"req,omitempty"`
	Correlation string `json:"corr,omitempty"`
	Causation   string `json:"cause,omitempty"`
	// Data is the type-specific payload.
	Data json.RawMessage `json:"data,omitempty"`
}

// AggregateKey is the version-map key of the event's aggregate.
func (e *Event) AggregateKey() string { return AggregateKey(e.Kind, e.Aggregate) }

// AggregateKey joins an aggregate kind and id into one map key.
func AggregateKey(kind, id string) string { return kind + "\x00" + id }

// Record is an event as read back from the stream.
type Record struct {
	Event
	// Seq is the stream sequence of the message that holds the event: the
	// ledger index reported to clients.
	Seq uint64
	// Pos is the event's position inside that message.
	Pos int
	// Stored is the time the server stored the message.
	Stored time.Time
}

// NewID returns a random 128-bit identifier in hex.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ledger: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// NewEvent builds an event with a fresh id and the current time. data is
// marshalled to JSON; a marshalling failure is a programming error.
func NewEvent(typ string, schema int, data any) Event {
	raw, err := json.Marshal(data)
	if err != nil {
		panic("ledger: event data does not marshal: " + err.Error())
	}
	return Event{ID: NewID(), Type: typ, Schema: schema, At: time.Now().UTC(), Data: raw}
}
