package authstore

import (
	"github.com/cofferhq/coffer/events/userpassevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// UserpassPrefix is the userpass read model's pebble prefix.
const UserpassPrefix = "userpass/"

func usersPrefix(mount string) []byte { return key(UserpassPrefix, mount, "\x00u") }

// userKey names a user by the HMAC of mount and name.
func userKey(mount, name string) func(projections.SealedReader) ([]byte, error) {
	return func(r projections.SealedReader) ([]byte, error) {
		return nameKey(r, usersPrefix(mount), "userpass-user", mount, name)
	}
}

// RegisterUserpass installs the userpass apply functions.
func RegisterUserpass(p *projections.Projector) {
	p.Handle(userpassevent.EventUserWritten, decoded(func(tx *projections.Tx, e *userpassevent.UserWritten) error {
		return putNamed(tx, userKey(e.Mount, e.User.Name), e.User)
	}))
	p.Handle(userpassevent.EventUserDeleted, decoded(func(tx *projections.Tx, e *userpassevent.UserDeleted) error {
		return deleteNamed(tx, userKey(e.Mount, e.Name))
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
	found, err := getNamed(s, b, userKey(mount, name), &u)
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
	return projections.ScanNames(s, usersPrefix(mount), func(u userpassevent.User) string { return u.Name })
}
