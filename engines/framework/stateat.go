package framework

import (
	"time"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// StateQuery answers sys/ledger/state-at for the paths a module knows:
// the ledger is replayed into a scratch projection up to the target index
// with every module's read models, and the first query that recognises the
// path describes the item as it stood then. Values are never shown.
type StateQuery struct {
	// Describe returns the item at path, ok=false when path is not this
	// query's (the next one is asked), or an error (ErrNotFound for an
	// item that did not exist at that time).
	Describe func(sv *StateView, path string) (data map[string]any, ok bool, err error)
	// Track, when set, sees every record the replay applies, for what the
	// read models forget (a revoked token is gone from them).
	Track func(sv *StateView, rec *ledger.Record)
}

// StateView is the scratch state at one ledger index.
type StateView struct {
	Store  *projections.Store
	Ledger *ledger.Store
	// Index is the target index; At the time its message was stored.
	Index uint64
	At    time.Time

	notes map[string]ledger.Record
}

// Remember keeps a record under key for Describe (Track's memory).
func (sv *StateView) Remember(key string, rec ledger.Record) {
	if sv.notes == nil {
		sv.notes = map[string]ledger.Record{}
	}
	sv.notes[key] = rec
}

// Recall returns what Remember kept under key.
func (sv *StateView) Recall(key string) (ledger.Record, bool) {
	r, ok := sv.notes[key]
	return r, ok
}
