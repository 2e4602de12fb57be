package transit

import (
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// State is what a decision about one key reads.
type State struct {
	Mount string
	Name  string
	// Key is nil when the key does not exist (never did, or was deleted).
	Key *transitevent.Key
	// Version is the key aggregate's version the decision is based on.
	Version uint64
	// Now is the decision's clock.
	Now time.Time
}

// sequence stamps events as the next versions of the key's aggregate.
func (st State) sequence(events ...ledger.Event) []ledger.Event {
	return commands.Sequence(transitevent.AggregateKind, transitevent.AggregateID(st.Mount, st.Name), st.Version, events...)
}

func newEvent(typ string, payload any) ledger.Event {
	return ledger.MakeEvent(typ, payload)
}
