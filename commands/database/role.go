package database

import (
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// RoleState is a role as a decision sees it.
type RoleState struct {
	Mount, Name string
	// Role is nil when there is none.
	Role    *databasestore.Role
	Version uint64
}

func (st RoleState) sequence(events ...ledger.Event) []ledger.Event {
	return commands.Sequence(databaseevent.KindRole, databaseevent.AggregateID(st.Mount, st.Name), st.Version, events...)
}

// RoleWrite is a write of database/roles/:name; nil fields were not in the
// request (kept on update, empty on create).
type RoleWrite struct {
	DBName               *string
	CreationStatements   *[]string
	RevocationStatements *[]string
	RollbackStatements   *[]string
	RenewStatements      *[]string
	DefaultTTL           *time.Duration
	MaxTTL               *time.Duration
}

// MergeRole applies w to the current role (nil for a new one) and checks
// what needs no database: a database name and creation statements. A
// default_ttl above max_ttl is accepted, as in Vault: the lease is capped.
func MergeRole(cur *databasestore.Role, w RoleWrite) (databasestore.Role, error) {
	var r databasestore.Role
	if cur != nil {
		r = *cur
		r.Statements = databaseevent.Statements{
			Creation: slices.Clone(cur.Statements.Creation), Revocation: slices.Clone(cur.Statements.Revocation),
			Rollback: slices.Clone(cur.Statements.Rollback), Renew: slices.Clone(cur.Statements.Renew),
		}
	}
	set(&r.DBName, w.DBName)
	for _, f := range []struct {
		dst *[]string
		in  *[]string
	}{
		{&r.Statements.Creation, w.CreationStatements},
		{&r.Statements.Revocation, w.RevocationStatements},
		{&r.Statements.Rollback, w.RollbackStatements},
		{&r.Statements.Renew, w.RenewStatements},
	} {
		if f.in != nil {
			*f.dst = removeEmpty(*f.in)
		}
	}
	set(&r.DefaultTTL, w.DefaultTTL)
	set(&r.MaxTTL, w.MaxTTL)
	r.DBName = strings.TrimSpace(r.DBName)
	switch {
	case r.DBName == "":
		return r, invalid("database name is required")
	case len(r.Statements.Creation) == 0:
		return r, invalid("creation_statements are required: they create the user {{name}}")
	}
	return r, nil
}

// DecideWriteRole records a merged role.
func DecideWriteRole(st RoleState, r databasestore.Role) []ledger.Event {
	return st.sequence(newEvent(databaseevent.EventRoleWritten, databaseevent.RoleWritten{
		Mount: st.Mount, Name: st.Name, DBName: r.DBName, Statements: r.Statements,
		DefaultTTL: int64(r.DefaultTTL / time.Second), MaxTTL: int64(r.MaxTTL / time.Second),
	}))
}

// DecideDeleteRole records a deletion; deleting nothing is a no-op. Leases
// issued for the role stay revocable: they carry their own revocation data.
func DecideDeleteRole(st RoleState) []ledger.Event {
	if st.Role == nil {
		return nil
	}
	return st.sequence(newEvent(databaseevent.EventRoleDeleted, databaseevent.RoleDeleted{Mount: st.Mount, Name: st.Name}))
}
