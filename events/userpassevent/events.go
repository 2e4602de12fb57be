package userpassevent

import (
	"github.com/cofferhq/coffer/events/authevent"
	"github.com/cofferhq/coffer/ledger"
)

// Event types.
const (
	EventUserWritten = "userpass.user_written"
	EventUserDeleted = "userpass.user_deleted"
)

// Schema is the payload layout version of every userpass event type.
const Schema = 1

// KindUser is the aggregate kind of a user.
const KindUser = "userpass.user"

// UserAggregate names one user of one mount (by mount accessor).
func UserAggregate(mount, name string) string { return mount + "/" + name }

// User is auth/<path>/users/<username>.
type User struct {
	// Name is lower-cased, as Vault stores user names.
	Name string `json:"name"`
	// PasswordHash is the stored form of the password (never the
	// password); the read model seals it.
	PasswordHash string                `json:"password_hash"`
	Token        authevent.TokenParams `json:"token"`
}

// Data renders a user for a read (the hash is never shown).
func (u *User) Data() map[string]any {
	d := map[string]any{}
	u.Token.Data(d)
	return d
}

// UserWritten records a user after a create, an update, a password or a
// policies change.
type UserWritten struct {
	Mount string `json:"mount"`
	User  User   `json:"user"`
}

// UserDeleted records a user's deletion.
type UserDeleted struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

func init() {
	ledger.RegisterEventType(EventUserWritten, Schema, UserWritten{})
	ledger.RegisterEventType(EventUserDeleted, Schema, UserDeleted{})
}
