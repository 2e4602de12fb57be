package authstore

import (
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// TokenRolePrefix is the token roles' pebble prefix (owned by the token
// store module).
const TokenRolePrefix = "tokenrole/"

// tokenRoleKey names a token role by the HMAC of its name (token roles
// have no mount).
func tokenRoleKey(name string) func(projections.SealedReader) ([]byte, error) {
	return func(r projections.SealedReader) ([]byte, error) {
		return nameKey(r, []byte(TokenRolePrefix), "token-role", "", name)
	}
}

// RegisterTokenRoles installs the token role apply functions.
func RegisterTokenRoles(p *projections.Projector) {
	p.Handle(tokenevent.EventRoleWritten, decoded(func(tx *projections.Tx, e *tokenevent.RoleWritten) error {
		return putNamed(tx, tokenRoleKey(e.Role.Name), e.Role)
	}))
	p.Handle(tokenevent.EventRoleDeleted, decoded(func(tx *projections.Tx, e *tokenevent.RoleDeleted) error {
		return deleteNamed(tx, tokenRoleKey(e.Name))
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
	found, err := getNamed(s, b, tokenRoleKey(name), &r)
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
	return projections.ScanNames(s, []byte(TokenRolePrefix), func(r tokenevent.Role) string { return r.Name })
}
