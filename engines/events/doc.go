// Package events publishes what happens to secrets as Vault-style event
// notifications and answers questions about the ledger's past.
//
// # Subscriptions
//
// One projector observer (Hub.Observer) sees every committed ledger
// message, maps each domain record once to a public event (CloudEvents
// JSON shaped like Vault's event notifications, never carrying a secret
// value, password, key, token or ciphertext) and hands the message's events
// to each subscriber whose type glob and path prefix match, with a
// non-blocking channel send (so idle subscribers are not even woken). Audit
// records are not public events. A subscriber whose bounded buffer is full
// is disconnected with a message naming the cursor to resume after: a slow
// reader never causes a silent gap and never slows the writers.
//
// sys/events/subscribe/:eventType answers as Server-Sent Events when the
// client sends "Accept: text/event-stream" and as a WebSocket otherwise
// (Vault's transport; messages are always CloudEvents JSON, json=true or
// not). The type may hold globs ("kv-v2/*", "*"); path_prefix filters on
// the event's path or data path; unknown parameters (Vault's namespaces and
// filter) are ignored.
//
// # Cursors
//
// A ledger message can hold many events (the writer group-commits), so the
// cursor of an event is "<seq>.<pos>": the ledger index of its message and
// its position inside it. "<seq>" alone means "all of message seq". SSE
// sends the cursor as the event id and the client's Last-Event-ID (or the
// last_event_id parameter, for clients that cannot set headers) resumes
// strictly after it: nothing delivered is repeated and nothing is skipped,
// even across a node restart, because the resumed part is read back from
// the ledger. While no matching event flows, the stream still advances the
// client's id (an SSE message with only an id) so a reconnect does not
// replay what was already filtered out.
//
// since=<index> (inclusive) or since=<RFC 3339 time> (the first message
// stored at or after it, found by binary search over the ledger's stored
// times) starts in the past. The subscriber is registered with the hub
// first, noting under the hub's lock the last sequence the hub delivered
// (S0); the past is read from the ledger up to S0; then the live buffer is
// drained, so there is neither a gap nor a duplicate at the seam.
//
// # Authorisation
//
// The gateway has checked read on sys/events/subscribe/<type>. Each event
// is then delivered only if the subscriber's policies grant subscribe or
// read on the event's data path; other events are filtered out, not
// redacted. Before each delivery the session checks, in O(1), that the hub
// has not seen its token revoked (the hub watches token.revoked records)
// and that the token's deadline has not passed, and takes the ACL from the
// policy cache, so a policy change applies to the next event; every few
// seconds it also resolves the token again. A revoked or expired token ends
// the stream with a final message (SSE event "error", WebSocket close
// 1008).
//
// # Replay and point in time
//
// sys/ledger/replay (sudo) decodes the ledger between two indexes or times
// and returns the audit records as the gateway stored them (already
// HMAC'd) and the domain events as their public events, filtered by path
// prefix, actor, type glob, paginated by an "after" cursor. Its cost is
// linear in the range read.
//
// sys/ledger/state-at (sudo) replays the ledger from its first message into
// a scratch pebble projection, with the node's own read-model registrations,
// stopping exactly at the target index, and reads one item from it: a KV
// secret's metadata (never a value), a policy's text, a token's state by
// accessor, a lease's state. Its cost is O(ledger size up to the target) in
// time and scratch disk; at most one runs at a time. Destroyed data stays
// unreadable: the scratch projection holds only ciphertext whose data keys
// are gone.
package events
