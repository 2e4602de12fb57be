package cubbyholeevent

import "github.com/cofferhq/coffer/ledger"

// Kind is the aggregate kind of a cubbyhole; the aggregate id is the hash
// of the token that owns it.
const Kind = "cubbyhole"

// Event types.
const (
	EventWritten = "cubbyhole.written"
	EventDeleted = "cubbyhole.deleted"
	EventErased  = "cubbyhole.erased"
)

// Schema is the payload layout version of every cubbyhole event type.
const Schema = 1

// Written records an entry's new value. KeyID names the cubbyhole's data
// key (the same for every entry of one cubbyhole); Entry is the HMAC of
// the entry's path; Sealed is Entry's Value sealed under the data key.
type Written struct {
	KeyID  string `json:"key_id"`
	Entry  string `json:"entry"`
	Sealed []byte `json:"sealed"`
}

// Deleted records an entry's deletion.
type Deleted struct {
	Entry string `json:"entry"`
}

// Erased records that the cubbyhole is gone with its token: every entry
// is dropped and the data key KeyID destroyed.
type Erased struct {
	KeyID  string `json:"key_id"`
	Reason string `json:"reason"`
}

// Erasure reasons.
const (
	ReasonUnwrapped    = "unwrapped"     // a wrapping token's response was unwrapped
	ReasonTokenRevoked = "token_revoked" // the token was revoked or expired
)

// Value is what an entry seals: its path and its data.
type Value struct {
	Path string         `json:"path"`
	Data map[string]any `json:"data"`
}

func init() {
	ledger.RegisterEventType(EventWritten, Schema, Written{})
	ledger.RegisterEventType(EventDeleted, Schema, Deleted{})
	ledger.RegisterEventType(EventErased, Schema, Erased{})
}
