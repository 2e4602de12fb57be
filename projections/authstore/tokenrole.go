package authstore

import (
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// TokenRolePrefix is the token roles' pebble prefix (owned by the token
// store module).
const TokenRolePrefix = "tokenrole/"

func tokenRoleKey(name string) []byte { return key(TokenRolePrefix, name) }

// RegisterTokenRoles installs the token role apply functions.
func RegisterTokenRoles(p *projections.Projector) {
	p.Handle(tokenevent.EventRoleWritten, decoded(func(tx *projections.Tx, e *tokenevent.RoleWritten) error {
		return putSealed(tx, tokenRoleKey(e.Role.Name), e.Role)
	}))
	p.Handle(tokenevent.EventRoleDeleted, decoded(func(tx *projections.Tx, e *tokenevent.RoleDeleted) error {
		return tx.Delete(tokenRoleKey(e.Name))
	}))
}

// GetTokenRole returns a token role and its aggregate version, or
// ErrNotFound with the version.
func GetTokenRole(s *projections.Store, b *ledger.Barrier, name string) (*tokenevent.Role, uint64, error) {
	v, err := s.AggregateVersion(tokenevent.KindRole, name)
	if err != nil {
		return nil, 0, err
	}
	var r tokenevent.Role
	found, err := getSealed(s, b, tokenRoleKey(name), &r)
	if err != nil {
		return nil, v, err
	}
	if !found {
		return nil, v, ErrNotFound
	}
	return &r, v, nil
}

// ListTokenRoles returns the role names in order.
func ListTokenRoles(s *projections.Store) ([]string, error) {
	return names(s, []byte(TokenRolePrefix))
}
