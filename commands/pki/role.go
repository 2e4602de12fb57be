package pki

import (
	"encoding/json"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideRoleWrite records a role's normalised fields (policy.Role JSON).
func DecideRoleWrite(st RoleState, role []byte) ([]ledger.Event, error) {
	if st.Name == "" {
		return nil, Invalid("missing role name")
	}
	if !json.Valid(role) {
		return nil, Invalid("role is not JSON")
	}
	e := ledger.MakeEvent(pkievent.EventRoleWritten, pkievent.RoleWritten{Mount: st.Mount, Name: st.Name, Role: role})
	return commands.Sequence(pkievent.KindRole, pkievent.RoleID(st.Mount, st.Name), st.Version, e), nil
}

// DecideRoleDelete records a role's deletion; deleting a missing role is
// a no-op, as Vault.
func DecideRoleDelete(st RoleState) ([]ledger.Event, error) {
	if !st.Exists {
		return nil, nil
	}
	e := ledger.MakeEvent(pkievent.EventRoleDeleted, pkievent.RoleDeleted{Mount: st.Mount, Name: st.Name})
	return commands.Sequence(pkievent.KindRole, pkievent.RoleID(st.Mount, st.Name), st.Version, e), nil
}
