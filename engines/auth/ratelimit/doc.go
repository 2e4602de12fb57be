// Package ratelimit slows down brute force against login endpoints
// (userpass passwords, AppRole secret IDs, Kubernetes JWTs) while leaving
// honest users alone.
//
// An attempt is admitted while its buckets hold room for one more failure,
// and only a failure is charged, after the credential was checked: so any
// number of honest logins may be in flight at once from one address (a
// fleet behind one NAT starting up; reserving a failure per attempt in
// flight refused them, measured with 16 concurrent AppRole logins), while
// failures that were in flight together all count, even past the burst,
// and the next attempt is refused. Buckets:
//
//   - per source address and role (or user): by default 10 failures, then
//     one more every 6 s (10 a minute). A success clears this bucket.
//   - per role across all sources: by default 100 failures, refilling at
//     100 a minute, so a distributed guesser stalls too.
//   - per source for names that do not exist: by default 10 a minute, so
//     guessing role IDs or user names from one address stalls.
//
// Failures against one role never delay a login to another role, from the
// same source or any other: no bucket spans two existing roles. A refused
// attempt is not a failure (a user retrying while refused does not dig
// deeper) and carries a Retry-After value: the time until its emptiest
// bucket holds one failure again, rounded up to whole seconds.
//
// Each auth mount has its own limiter, configured by mount options (set
// with `auth enable -options=` or `auth tune -options=`; see options.go
// and docs/login-rate-limit.md): login_rate_limit, login_rate_limit_role
// and login_rate_limit_unknown, each "<failures>/<window>" or "off". A
// tune builds the mount's backend again, so it also forgets the mount's
// failures.
//
// IPv6 sources are grouped by /64 (one host usually owns a /64). State is
// in memory and per node: a cluster of n nodes tolerates n times the rate,
// which still stalls a brute force. Buckets that have refilled are swept;
// the table is capped (Config.MaxEntries). The clock is injected.
//
// Callers: Begin before checking the credential; then exactly one of
// Succeeded (credential accepted), Failed (credential wrong) or Abandon
// (the check could not be made, e.g. the Kubernetes apiserver is down: not
// the client's fault, so it must not throttle a fleet after an outage).
// An attempt left without an outcome counts as nothing.
package ratelimit
