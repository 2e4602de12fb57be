package database

import (
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideStartRotation records a new root password before the database is
// asked to take it, so that no crash can leave the database with a
// password nobody knows.
func DecideStartRotation(st ConfigState, password string) ([]ledger.Event, error) {
	switch {
	case st.Config == nil:
		return nil, ErrNotFound
	case st.Config.Username == "":
		return nil, invalid("unable to rotate root credentials: no username in configuration")
	case st.Config.PendingPassword != "":
		return nil, ErrRotationPending
	case password == "":
		return nil, invalid("unable to rotate root credentials: empty password")
	}
	return st.sequence(newEvent(databaseevent.EventRootRotationStarted, databaseevent.RootRotationStarted{
		Mount: st.Mount, Name: st.Name, Password: password,
	})), nil
}

// DecideRotated records that the database accepted the pending password.
func DecideRotated(st ConfigState) ([]ledger.Event, error) {
	if st.Config == nil || st.Config.PendingPassword == "" {
		return nil, ErrNoRotationPending
	}
	return st.sequence(newEvent(databaseevent.EventRootRotated, databaseevent.RootRotated{Mount: st.Mount, Name: st.Name})), nil
}

// DecideRotationFailed records that the database did not take the pending
// password; errText must hold no secret.
func DecideRotationFailed(st ConfigState, errText string) ([]ledger.Event, error) {
	if st.Config == nil || st.Config.PendingPassword == "" {
		return nil, ErrNoRotationPending
	}
	return st.sequence(newEvent(databaseevent.EventRootRotationFailed, databaseevent.RootRotationFailed{
		Mount: st.Mount, Name: st.Name, Error: errText,
	})), nil
}
