package approle

import (
	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/approleevent"
	"github.com/cofferhq/coffer/ledger"
)

// RoleState is a role as a decision sees it.
type RoleState struct {
	Mount, Name string
	// Role is nil when there is none.
	Role    *approleevent.Role
	Version uint64
}

// SecretIDState is one secret ID (by its HMAC) as a decision sees it.
type SecretIDState struct {
	Mount, Role, HMAC string
	// SecretID is nil when none is filed under HMAC.
	SecretID *approleevent.SecretID
	Version  uint64
}

// DecideWriteRole records role (a create or an update) as st's name.
func DecideWriteRole(st RoleState, role approleevent.Role) []ledger.Event {
	role.Name = st.Name
	return commands.Sequence(approleevent.KindRole, approleevent.RoleAggregate(st.Mount, st.Name), st.Version,
		ledger.MakeEvent(approleevent.EventRoleWritten, approleevent.RoleWritten{Mount: st.Mount, Role: role}))
}

// DecideDeleteRole records a role's deletion (its secret IDs go with it);
// deleting nothing is a no-op.
func DecideDeleteRole(st RoleState) []ledger.Event {
	if st.Role == nil {
		return nil
	}
	return commands.Sequence(approleevent.KindRole, approleevent.RoleAggregate(st.Mount, st.Name), st.Version,
		ledger.MakeEvent(approleevent.EventRoleDeleted, approleevent.RoleDeleted{Mount: st.Mount, Name: st.Name}))
}

// DecideSecretID records the events an AppRole decision returned for the
// secret ID st, stamped with its mount and role and sequenced on its
// aggregate. An issue over an existing secret ID, or a use or destroy of
// a missing one, is refused with ErrSecretIDState: it means the decision
// was made on stale state.
func DecideSecretID(st SecretIDState, evs ...approleevent.Event) ([]ledger.Event, error) {
	out := make([]ledger.Event, 0, len(evs))
	cur := st.SecretID
	for _, e := range evs {
		switch e := e.(type) {
		case approleevent.SecretIDIssued:
			if cur != nil {
				return nil, ErrSecretIDState
			}
			e.Mount, e.Role = st.Mount, st.Role
			out = append(out, ledger.MakeEvent(approleevent.EventSecretIDIssued, e))
		case approleevent.SecretIDUsed:
			if cur == nil {
				return nil, ErrSecretIDState
			}
			e.Mount, e.Role = st.Mount, st.Role
			out = append(out, ledger.MakeEvent(approleevent.EventSecretIDUsed, e))
		case approleevent.SecretIDDestroyed:
			if cur == nil {
				return nil, ErrSecretIDState
			}
			e.Mount, e.Role = st.Mount, st.Role
			out = append(out, ledger.MakeEvent(approleevent.EventSecretIDDestroyed, e))
		}
		cur = approleevent.Apply(cur, e)
	}
	return commands.Sequence(approleevent.KindSecretID, approleevent.SecretIDAggregate(st.Mount, st.Role, st.HMAC), st.Version, out...), nil
}
