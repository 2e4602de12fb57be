package transit

import (
	"time"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideRotate records next as the key's new latest version. next must be
// the version after the latest and sealed under the key's current data key
// (dataKey); otherwise the material was prepared for another state of the
// key and the decision fails with ErrStale.
func DecideRotate(st State, next transitevent.VersionRecord, dataKey string, auto bool) ([]ledger.Event, error) {
	if st.Key == nil {
		return nil, ErrNotFound
	}
	if next.Version != st.Key.LatestVersion+1 || dataKey != st.Key.DataKey || len(next.Material) == 0 {
		return nil, ErrStale
	}
	return st.sequence(newEvent(transitevent.EventKeyRotated, transitevent.KeyRotated{
		Mount: st.Mount, Name: st.Name, DataKey: dataKey, Next: next, Auto: auto,
	})), nil
}

// DueForRotation reports whether k's auto_rotate_period has elapsed since
// its latest version was made.
func DueForRotation(k *transitevent.Key, now time.Time) bool {
	if k == nil || k.AutoRotatePeriod <= 0 {
		return false
	}
	return !now.Before(k.LatestCreated().Add(k.AutoRotatePeriod))
}

// DecideAutoRotate is DecideRotate for the auto-rotation timer: no events
// unless the key is due (another node may have rotated it already).
func DecideAutoRotate(st State, next transitevent.VersionRecord, dataKey string) ([]ledger.Event, error) {
	if st.Key == nil || !DueForRotation(st.Key, st.Now) {
		return nil, nil
	}
	return DecideRotate(st, next, dataKey, true)
}
