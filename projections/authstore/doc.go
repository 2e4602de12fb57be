// Package authstore holds the read models of the auth methods that keep
// state: AppRole, userpass and Kubernetes. Each method owns its own pebble
// prefix and registers its own apply functions (RegisterAppRole,
// RegisterUserpass, RegisterKubernetes), so each module declares exactly
// the read model it owns.
//
// Every value is sealed by the barrier with its own pebble key as AAD
// (projections.PutJSON), so no role, HMAC key, password hash, reviewer JWT
// or secret-ID metadata is on disk in plaintext, and a sealed value cannot
// be moved under another key. Users and roles are named in keys by the
// barrier's keyed HMAC of mount and name (projections.NameKey), never by
// the name, which is only inside the sealed record; listings open the
// records and sort their names. Layout, under "<method>/<mount
// accessor>\x00":
//
//	approle     r<hmac(role)>                 role (its HMAC key inside)
//	            i<hmac(role_id)>              role name (sealed), for
//	                                          logins by role_id
//	            s<hmac(role)>\x00<hmac>       secret ID state, by its
//	                                          salted hash
//	            a<hmac(role)>\x00<accessor>   secret ID hash, by accessor
//	userpass    u<hmac(user)>                 user (its password hash inside)
//	kubernetes  c                             config (the reviewer JWT inside)
//	            r<hmac(role)>                 role
//
// and token roles under "tokenrole/<hmac(name)>". The role_id index is
// keyed by a barrier HMAC of the role ID, not the ID: a role ID is half a
// credential. Secret-ID accessors are still plain in keys (they are
// random, not chosen names).
package authstore
