// Package authstore holds the read models of the auth methods that keep
// state: AppRole, userpass and Kubernetes. Each method owns its own pebble
// prefix and registers its own apply functions (RegisterAppRole,
// RegisterUserpass, RegisterKubernetes), so each module declares exactly
// the read model it owns.
//
// Every value is sealed by the barrier with its own pebble key as AAD, so
// no role, HMAC key, password hash, reviewer JWT or secret-ID metadata is
// on disk in plaintext, and a sealed value cannot be moved under another
// key. Layout, under "<method>/<mount accessor>\x00":
//
//	approle     r<name>               role (its HMAC key inside)
//	            i<hmac(role_id)>      role name, for logins by role_id
//	            s<role>\x00<hmac>     secret ID state, by its salted hash
//	            a<role>\x00<accessor> secret ID hash, by accessor
//	userpass    u<name>               user (its password hash inside)
//	kubernetes  c                     config (the reviewer JWT inside)
//	            r<name>               role
//
// The role_id index is keyed by a barrier HMAC of the role ID, not the ID:
// a role ID is half a credential.
package authstore
