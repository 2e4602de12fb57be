package kv

import (
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// Secret names one secret: the mount accessor, its path and its aggregate
// id (kvevent.AggregateID).
type Secret struct {
	Mount     string
	Path      string
	Aggregate string
}

// State is what a decision about one secret reads.
type State struct {
	Config kvevent.Config
	// Meta is nil when the secret does not exist.
	Meta *kvevent.Metadata
	// Version is the secret aggregate's version the decision is based on.
	Version uint64
	// Now is the decision's clock.
	Now time.Time
}

// versionAt returns the metadata of version n and whether it exists.
func (st State) versionAt(n uint64) (kvevent.VersionMeta, bool) {
	if st.Meta == nil {
		return kvevent.VersionMeta{}, false
	}
	vm, ok := st.Meta.Versions[n]
	return vm, ok
}

func (st State) customMetadata() map[string]string {
	if st.Meta == nil {
		return nil
	}
	return st.Meta.CustomMetadata
}

// sequence stamps events as the next versions of the secret's aggregate.
func (s Secret) sequence(st State, events ...ledger.Event) []ledger.Event {
	return stamp(s.Aggregate, st.Version, events)
}

func newEvent(typ string, payload any) ledger.Event {
	return ledger.MakeEvent(typ, payload)
}

func stamp(aggregate string, from uint64, events []ledger.Event) []ledger.Event {
	if len(events) == 0 {
		return nil
	}
	return commands.Sequence(kvevent.AggregateKind, aggregate, from, events...)
}
