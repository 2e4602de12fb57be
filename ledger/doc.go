// Package ledger is Coffer's source of truth: an append-only, encrypted event
// log on a NATS JetStream stream.
//
// # Layout
//
// One stream (COFFER_LEDGER, subjects coffer.ledger.>) holds three kinds of
// message, none of which carries a secret or a secret path in its subject or
// headers:
//
//   - coffer.ledger.seal: the root key wrapped by the seal (dev key file,
//     Shamir-derived key or KMS). The last message on the subject wins.
//   - coffer.ledger.keyring: the whole keyring (every term key plus the audit
//     HMAC key), encrypted under the root key. Rotation appends a new copy
//     with one more term; old terms keep decrypting old messages.
//   - coffer.ledger.batch: a group-committed batch of events (domain events
//     and audit records), JSON-encoded and sealed with AES-256-GCM under the
//     keyring's active term. The associated data binds the ciphertext to the
//     subject, the message id and the term, so a message cannot be replayed
//     under another id or swapped with another message's body.
//
// The stream uses file storage, DenyDelete and DenyPurge and a two-minute
// duplicate window; the embedded server syncs every write (SyncAlways). The
// Jepsen analysis of NATS 2.12.1 showed the default two-minute fsync loses
// acknowledged writes, so that default is never used.
//
// # Group commit
//
// With always-sync, one event per publish is capped by one fsync per message
// (~3,300-3,600 publishes/s on R1 here, whatever the concurrency). A single
// Writer per stream therefore takes every append request that queued while
// its previous publish was in flight, checks each event's aggregate version
// against an in-memory version map (falling back to the projections'
// version table for aggregates it has not written since start), packs the
// accepted events into one message and publishes it fenced with
// Nats-Expected-Last-Sequence. A conflicting request is refused alone with
// ErrConflict; the others in the group commit together. Audit records need no
// concurrency control and ride in the same messages, so a request's audit
// record costs no extra fsync. Each message carries a Nats-Msg-Id, so a
// publish retried after a timeout is stored once.
//
// Measured on this project's 2-core machine (nats-server 2.15.2, R1, file
// storage, SyncAlways, 16 producers, 512-byte events), with
// `go test -run '^$' -bench . -benchtime 20000x ./ledger/`:
//
//	one fsynced publish per event        148.6 us/event   ~6,700 events/s
//	group-commit writer (this package)    35.7 us/event  ~28,000 events/s, 8 events/message
//
// JetStream's atomic batch publish would also work on R1 but stages each
// batch with several fsyncs (~300 batches/s measured during design); on an
// R3 stream it is the better tool and is the planned path for clusters.
// Whole-server figures are in docs/benchmarks.md.
//
// # Crypto-shredding
//
// Erasable data (a KV version, a transit key) is encrypted under its own data
// key kept in a mutable JetStream key-value bucket (DataKeys), itself sealed
// by the barrier. Destroying the data key overwrites its stored message
// (JetStream secure delete); ciphertext left in the immutable stream or in
// projections becomes unreadable.
package ledger
