// Package approle is the AppRole auth method's logic, without storage:
// role config with Vault's defaults, validation and messages; role IDs and
// secret IDs (generated or custom, with metadata, CIDR bindings, use
// counts and TTLs); the login decision; and the events and fold that keep
// a secret ID's state.
//
// A secret ID is never kept: its state is filed under its HMAC-SHA256 keyed
// with the role's random HMAC key (a salted hash, as Vault stores it), and
// a login looks it up by recomputing that HMAC. Accessors are random UUIDs
// that name a secret ID for list, lookup and destroy without revealing it.
//
// Use counting is a decision on the secret ID's state: DecideLogin returns
// a SecretIDUsed event for a limited secret ID, and the last use exhausts
// it (the fold drops it, as Vault deletes it). Appended against the secret
// ID's version, concurrent logins with the same secret ID conflict and are
// decided again, so each use is counted exactly once; a refused login
// appends nothing and consumes no use.
//
// Vault's per-field role endpoints (role/<name>/policies, secret-id-ttl,
// secret-id-num-uses, secret-id-bound-cidrs, bound-cidr-list,
// token-bound-cidrs, bind-secret-id, period, token-num-uses, token-ttl,
// token-max-ttl, and local-secret-ids read-only) read one field, update it
// through the role write's own rules and reset it on delete
// (path_role_fields.go).
//
// Deleting a role deletes its secret IDs but, as in Vault, does not revoke
// the tokens its logins minted: they live out their TTL (revoke them by
// accessor, or disable the mount, which revokes every token it minted).
// Vault also refuses to renew such a token; Coffer's token store does not
// ask the auth method at renewal yet, so it renews within the max TTL.
//
// Where this differs from Vault, on purpose: a secret ID past its
// expiration_time is refused at login (Vault leaves it usable until the
// next tidy, up to a minute later); malformed input that Vault answers with
// a 500 (a bare IP in secret_id_bound_cidrs, a role without constraints, a
// role_id already in use) is a 400 with Vault's message.
package approle
