package transit

import (
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideDelete checks that the key may be deleted and returns the
// deletion event. The runner destroys the key's data key before it
// appends anything (see DecideErasedDelete).
func DecideDelete(st State) ([]ledger.Event, error) {
	if st.Key == nil {
		return nil, ErrNotFound
	}
	if !st.Key.DeletionAllowed {
		return nil, ErrDeletionNotAllowed
	}
	return DecideErasedDelete(st, st.Key.DataKey)
}

// DecideErasedDelete records the deletion of a key whose data key erased
// was already destroyed. It does not look at deletion_allowed again: the
// material is gone, the record must follow. It fails with ErrStale if the
// key now uses another data key (a trim re-keyed it meanwhile), which must
// be destroyed too; and returns no events if the key is gone already.
func DecideErasedDelete(st State, erased string) ([]ledger.Event, error) {
	if st.Key == nil {
		return nil, nil
	}
	if st.Key.DataKey != erased {
		return nil, ErrStale
	}
	return st.sequence(newEvent(transitevent.EventKeyDeleted, transitevent.KeyDeleted{
		Mount: st.Mount, Name: st.Name, DataKey: erased,
	})), nil
}
