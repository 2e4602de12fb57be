package cubbyhole

import (
	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
)

// DecideWrite records an entry sealed under keyID.
func DecideWrite(token string, st cubbyholestore.State, keyID, entry string, sealed []byte) []ledger.Event {
	e := ledger.MakeEvent(cubbyholeevent.EventWritten, cubbyholeevent.Written{KeyID: keyID, Entry: entry, Sealed: sealed})
	return commands.Sequence(cubbyholeevent.Kind, token, st.Version, e)
}

// DecideDelete removes an entry; deleting a missing entry records
// nothing, as Vault answers it with success too.
func DecideDelete(token string, st cubbyholestore.State, entry string, exists bool) []ledger.Event {
	if !exists {
		return nil
	}
	e := ledger.MakeEvent(cubbyholeevent.EventDeleted, cubbyholeevent.Deleted{Entry: entry})
	return commands.Sequence(cubbyholeevent.Kind, token, st.Version, e)
}

// DecideErase drops a cubbyhole; one with no data key holds nothing.
func DecideErase(token string, st cubbyholestore.State, reason string) []ledger.Event {
	if st.KeyID == "" {
		return nil
	}
	e := ledger.MakeEvent(cubbyholeevent.EventErased, cubbyholeevent.Erased{KeyID: st.KeyID, Reason: reason})
	return commands.Sequence(cubbyholeevent.Kind, token, st.Version, e)
}
