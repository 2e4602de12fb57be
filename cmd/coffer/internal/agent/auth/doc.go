// Package auth is the agent's auto-auth: it logs in with one method,
// writes the token to the sinks, keeps it alive and logs in again when it
// cannot be kept.
//
// Methods speak Vault's login API and nothing else:
//
//   - token_file reads a token from a file (on every login, so replacing
//     the file replaces the token) and checks it with
//     GET auth/token/lookup-self;
//   - approle POSTs {role_id, secret_id} to auth/<mount>/login, reading
//     both from files (the secret id file is removed after reading unless
//     remove_secret_id_file_after_reading = false; a response-wrapped
//     secret id is unwrapped through sys/wrapping/unwrap);
//   - kubernetes POSTs {role, jwt} to auth/<mount>/login with the service
//     account token read from token_path on every login (projected tokens
//     rotate).
//
// The handler renews a renewable token with auth/token/renew-self at about
// two thirds of its TTL; it logs in again when renewal is refused, when the
// TTL stops growing (max TTL) before it runs out, and at once when another
// part of the agent reports the token invalid (a 403 on a request, or the
// event stream ending with "token revoked"). Failed logins are retried with
// exponential backoff between min_backoff and max_backoff, with jitter.
package auth
