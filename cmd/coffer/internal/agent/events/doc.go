// Package events follows Coffer's event stream for the agent: one
// Server-Sent Events subscription to GET /v1/sys/events/subscribe/*
// (Coffer's endpoint, shaped like Vault's), read with the agent's token.
//
// Every event carries its cursor as the SSE id; after a disconnect (the
// server killed, restarted, or a network cut) the stream reconnects with
// Last-Event-ID and the server replays what was missed from its ledger,
// so no change is lost and none is seen twice. An id-only message (the
// server settling a stretch of events this token may not see) moves the
// cursor too.
//
// The stream reports its state: Connected (with whether it resumed from a
// cursor), Disconnected (retrying with backoff), Unavailable (the server
// has no such endpoint, or the token may not subscribe: the caller falls
// back to polling and the stream tries again later) and TokenInvalid (the
// server ended the stream because the token was revoked or expired).
package events
