// Package approleevent is the event schema of the AppRole auth method:
// roles (their HMAC key travels only inside the encrypted ledger and is
// sealed again by the read model) and secret IDs, filed under their salted
// hash (an HMAC-SHA256 keyed with the role's HMAC key). No event ever holds
// a secret ID.
//
// Aggregates: a role is KindRole with id RoleID(mount, name); a secret ID
// is KindSecretID with id SecretIDAggregate(mount, role, hmac), so logins
// that use the same secret ID conflict on its version and each use is
// counted once.
package approleevent
