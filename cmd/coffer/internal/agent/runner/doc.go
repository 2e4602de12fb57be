// Package runner keeps the agent's template files up to date.
//
// It renders every template with the auto-auth token, sharing one fetch
// (and one lease) between templates that read the same path, and then
// keeps each answer fresh by what it is:
//
//   - a static secret (KV: no lease) is fetched again when the event
//     stream reports a change at its path (a write, delete, destroy or
//     metadata change), within a second; without the stream (the endpoint
//     is absent, or the token may not subscribe, or the server is down) it
//     is polled every static_secret_render_interval instead;
//   - a renewable lease (database credentials) is renewed at about two
//     thirds of what is left, and the secret is fetched again when renewal
//     is refused, when renewal stops extending it (max TTL) before it ends,
//     or at once when the stream reports the lease revoked or expired;
//   - a non-renewable lease is fetched again at lease_renewal_threshold
//     (0.9) of its duration, a certificate (pkiCert) at that fraction of
//     its validity.
//
// Only templates whose inputs changed are rendered again, and a file is
// written (atomically, with its perms) and its command run only when the
// output differs. A failed render keeps the old file and is retried with
// backoff; after vault.retry.num_retries failures in a row,
// template_config.exit_on_retry_failure stops the agent. A 403 is checked
// with auth/token/lookup-self: if the token itself is refused, auto-auth
// logs in again, and a new token renders everything anew (the old token's
// leases die with it).
package runner
