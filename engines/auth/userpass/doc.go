// Package userpass is the userpass auth method's logic, without storage:
// users with Vault's fields and messages (password or a pre-hashed bcrypt
// password_hash, the token fields with the legacy policies, ttl, max_ttl
// and bound_cidrs), password and policy updates, and the login decision.
//
// Passwords are stored only as a hash string: bcrypt ("$2a$..."; cost 10 by
// default, as Vault) or argon2id in the PHC format
// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"). Checks run in constant
// time for a given hash, and a login for a user that does not exist is
// checked against a dummy hash of the same scheme, so the answer's timing
// does not tell whether the user exists. The answer does not either: it is
// Vault's 400 "invalid username or password" in both cases.
//
// Deleting a user, as in Vault, does not revoke the tokens its logins
// minted: they live out their TTL (revoke them by accessor, or disable the
// mount, which revokes every token it minted). Vault also refuses to renew
// them once the user is gone or its policies changed; Coffer's token store
// does not consult the auth method at renewal yet.
//
// bcrypt at cost 10 takes tens of milliseconds per check by design; that is
// the ceiling of userpass logins per core. Hasher.BcryptCost trades it.
package userpass
