// Package userpassevent is the event schema of the userpass auth method:
// users with their password hash (bcrypt or argon2id; never a password)
// and token fields. The read model seals the hash again.
//
// A user is aggregate KindUser with id UserAggregate(mount, name).
package userpassevent
