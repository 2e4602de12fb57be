package authstore

import (
	"github.com/cofferhq/coffer/events/userpassevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// UserpassPrefix is the userpass read model's pebble prefix.
const UserpassPrefix = "userpass/"

func userKey(mount, name string) []byte { return key(UserpassPrefix, mount, "\x00u", name) }
func usersPrefix(mount string) []byte   { return key(UserpassPrefix, mount, "\x00u") }

// RegisterUserpass installs the userpass apply functions.
func RegisterUserpass(p *projections.Projector) {
	p.Handle(userpassevent.EventUserWritten, decoded(func(tx *projections.Tx, e *userpassevent.UserWritten) error {
		return putSealed(tx, userKey(e.Mount, e.User.Name), e.User)
	}))
	p.Handle(userpassevent.EventUserDeleted, decoded(func(tx *projections.Tx, e *userpassevent.UserDeleted) error {
		return tx.Delete(userKey(e.Mount, e.Name))
	}))
}

// GetUser returns a user and its aggregate version, or ErrNotFound with
// the version.
func GetUser(s *projections.Store, b *ledger.Barrier, mount, name string) (*userpassevent.User, uint64, error) {
	v, err := s.AggregateVersion(userpassevent.KindUser, userpassevent.UserAggregate(mount, name))
	if err != nil {
		return nil, 0, err
	}
	var u userpassevent.User
	found, err := getSealed(s, b, userKey(mount, name), &u)
	if err != nil {
		return nil, v, err
	}
	if !found {
		return nil, v, ErrNotFound
	}
	return &u, v, nil
}

// ListUsers returns the mount's user names in order.
func ListUsers(s *projections.Store, mount string) ([]string, error) {
	return names(s, usersPrefix(mount))
}
