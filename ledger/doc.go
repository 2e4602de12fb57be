// Package ledger is Coffer's source of truth: an append-only, encrypted event
// log on a NATS JetStream stream.
//
// # Layout
//
// One stream (COFFER_LEDGER, subjects coffer.ledger.>) holds these kinds of
// message, none of which carries a secret or a secret path in its subject or
// headers:
//
//   - coffer.ledger.seal: the root key wrapped by the seal (dev key file,
//     Shamir-derived key or KMS). The last message on the subject wins.
//   - coffer.ledger.keyring: the whole keyring (every term key plus the audit
//     HMAC key), encrypted under the root key. Rotation appends a new copy
//     with one more term; old terms keep decrypting old messages.
//   - coffer.ledger.batch: a group-committed batch of events (domain events
//     and audit records), JSON-encoded, S2-compressed (below) and sealed
//     with AES-256-GCM under the keyring's active term. The associated
//     data binds the ciphertext to the subject, the message id and the
//     term, so a message cannot be replayed under another id or swapped
//     with another message's body. Its Coffer-Events header counts its
//     events (CountEvents: the snapshot policy counts events without
//     opening messages again).
//   - coffer.ledger.audit: with an audit retention only, a group's audit
//     records, encoded and sealed the same way, with a per-message TTL
//     (Audit retention, below); the batch then holds the domain events.
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
// Writer per stream therefore packs every append request that queued while
// its previous publish was in flight into one message, published fenced
// with Nats-Expected-Last-Sequence. Each event's aggregate version is
// checked against an in-memory version map (falling back to the
// projections' version table for aggregates it has not written since
// start). A conflicting request is refused alone with ErrConflict (answered
// once the version it lost to is stored, so its caller reloads a state that
// has it); the others commit together. Audit records need no concurrency
// control and ride in the same messages, so a request's audit record costs
// no extra fsync. Each message carries a Nats-Msg-Id.
//
// Nothing but the wait for the fsynced ack is on the commit path: callers
// encode their own events (in their goroutines), and while one message is
// in flight the writer keeps taking requests, checks them against the
// versions the message in flight will create, and packs them into the
// next group, so that when the ack comes the next message is only
// concatenated, sealed and published. Batches grow with the time a commit
// takes: a slow fsync makes fewer, larger messages. One message is in
// flight at a time: with SyncAlways the server fsyncs a stream's messages
// one after the other anyway, and a second message published early would
// carry fewer requests and cost a whole fsync of its own.
//
// A publish that fails is settled before anyone is answered. The fence
// allows a message only at the sequence after the one it names, so: a
// refused fence or no responder means it was not stored, and the writer
// re-syncs (last sequence from the stream, versions from the projections)
// and publishes its requests again, checked anew; a publish without an
// answer is settled by reading that one slot (our message id: stored;
// another: never will be) or, if it is empty, by publishing again with the
// same id and fence. Only when that fails too is the caller told
// ErrOutcomeUnknown (it may be stored, as any timed-out write).
//
// Measured on this project's 2-core machine (nats-server 2.15.2, R1, file
// storage, SyncAlways, 16 producers, 512-byte events), with
// `go test -run '^$' -bench . -benchtime 20000x ./ledger/` (make
// bench-ledger). The one-publish-per-event line is the machine's fsync
// cost; quote it beside the others. On a quiet day:
//
//	one fsynced publish per event        148.6 us/event   ~6,700 events/s
//	group-commit writer (this package)    35.7 us/event  ~28,000 events/s, 8 events/message
//
// On 2026-12-02, shared with other sessions (load average 4), the writer
// before and after the in-flight packing, run alternately:
//
//	one fsynced publish per event        634-1,303 us/event
//	group-commit writer, before          149-189 us/event, 8.0 events/message
//	group-commit writer, after           100-159 us/event, 7.9 events/message,
//	                                     a message in flight 93-95% of the time
//
// The writer is fsync-bound: a commit costs one fsync, and only more
// requests per commit make it cheaper per request. docs/benchmarks.md has
// the whole-server figures and the commands.
//
// JetStream's atomic batch publish would also work on R1 but stages each
// batch with several fsyncs (~300 batches/s measured during design).
//
// # Several nodes
//
// In a cluster (R3 stream) every node accepts writes, but one node, the
// elected one that runs the singletons, appends for all: it serves the
// subject _coffer.writer.append (ServeAppends), and every other node
// sends it its appends and holds (SetForwarding; writer_forward.go). The
// request and its reply are sealed by the barrier and bound to a random
// request id; the writer node refuses a request id twice and one older
// than 15 s, so a captured request cannot be replayed. The writer
// group-commits everyone's requests with its own, checks their versions
// in its one version map (which sees every node's in-flight writes), and
// answers with the sequence; the sending node then waits for its own
// projections to apply that sequence before it answers, so its client
// reads its own write there. A conflict's reply carries the writer's last
// sequence, which the sender's LastCommitted reports, so its caller
// reloads a state that holds the winning version. A held append is held
// by the writer node; its Commit goes there too (if that node is gone or
// no longer the writer, the hold is dropped there unstored and the whole
// request is appended again, checked anew).
//
// Safety does not rest on the forwarding: each node's Writer still fences
// on the stream's last sequence. When no node serves the subject (during
// a failover, ~6-8 s after a crash), nodes append themselves; two nodes
// that both believe they are the writer only cost each other re-syncs.
// A lost fence no longer counts against a request's publish attempts (it
// means another message got in; only the request's context bounds it).
// That mode is only a bridge: under contention it still surfaces some
// 503s (held appends expire behind the re-syncs; figures below), so
// writes during an election gap may fail while the nodes fight over the
// fence.
//
// Measured with node/cluster_writes_test.go (three in-process nodes on
// this 2-core machine, R3, 4 Vault-client workers per node for 4 s, a
// third each to own paths, shared paths and check-and-set), 2026-12-03,
// the machine shared with four other sessions:
//
//	every node appends itself, 5 fence attempts  229 writes, 163 errors (503), 1,754 re-syncs
//	every node appends itself, fence retried     201-275 writes, 18-32 errors (503: holds
//	                                             expired behind re-syncs), 2,961-4,483 re-syncs
//	forwarding to the elected writer             349-371 writes, 0 errors, 0 re-syncs
//
// Appending everywhere livelocks under contention: each lost fence costs
// a stream-info round trip and a wait for the projections, during which
// another node wins again. JetStream's atomic batches with per-aggregate
// subjects would avoid the global fence, but lose the packing of audit
// records with events into one message and still refuse a whole batch
// for one stale expectation; forwarding keeps the single-node design
// (one version map, group commit, one message per request) at the cost
// of one loopback round trip for the other nodes' writes.
//
// # Failover
//
// When the node leading the stream dies, JetStream's Raft elects another
// leader 4-9 s after it last heard from the dead one (nats-server 2.15's
// election timeout, not configurable), and when the dead node also led
// the meta group, that group elects too, independently; a consumer
// (the projections' ordered consumer) can only be made through the
// meta leader. What Coffer adds on top is cut short (writer_failover.go):
//
//   - the stream's leader-elected advisory settles a publish still in
//     flight at once (it may have died with the old leader; settling
//     reads its slot and republishes with the same Nats-Msg-Id and
//     fence, so it is stored once), instead of after its 10 s timeout;
//   - a re-sync or settle that waits for a leader makes 2 s tries, and
//     the advisory starts the next try at once;
//   - the advisory rebinds the projections' consumer (it lived on the
//     old leader, and would otherwise be noticed dead only by missed
//     heartbeats), and a rebind first waits, in short tries, for a meta
//     leader (the client's own creation try lasts 10 s);
//   - the node watches its routes (PeerLost): when one to another server
//     drops, as a killed node's do at once, forwarded requests in flight
//     stop waiting for the writer that may have died with it (a hold
//     answers ErrWriterUnavailable, nothing stored; an append or commit
//     ErrOutcomeUnknown), rather than waiting out their 12 s.
//
// Measured by scenarios/cluster_kill_test.go and
// cluster_linearizable_test.go (three processes on this 2-core machine,
// SIGKILL of the stream leader's node), 2026-12-03, load average 10-16,
// the gap from the last acknowledged write before the kill to the first
// acknowledged write sent after it:
//
//	kill test, before (main's writer, one run)                     10.8 s
//	  with the advisory and PeerLost but no consumer rebind          10.0 s
//	kill test, after                                                4.4-6.3 s in 7 runs, 10.0 s once
//	linearizability test, after                                     5.1-7.0 s in 4 runs
//	  (18.1 s once before the consumer waited for a meta leader)
//	netns partition of the leader (netns_linearizable_test)         6.7-7.0 s (7-10 s before)
//
// A new stream leader was seen (sys/ha-status) 5.3-6.8 s after the kill:
// the rest of the gap is JetStream's.
//
// # Compressed batches
//
// A batch's JSON body is compressed with S2 (github.com/klauspost/compress,
// default level since 2026-12-03, "better" before: see compressBatch)
// before it is sealed: sealed bytes do not compress, and
// audit records repeat themselves (field names, token HMACs, paths, mount
// accessors, request ids written twice per record). The first byte of the
// sealed plaintext is the codec (codecS2; a JSON body starts with '{' and
// is what every message before compression holds), so old messages still
// decode. Measured by node/ledger_size_test.go (16 clients, one dev node,
// ~7 requests per message), stored message bytes per request:
//
//	                       JSON (before)   S2 per message
//	audited KV read            2,568            334
//	audited KV write           3,180            673
//
// A message that holds one request compresses less (a lone read ~1,050
// bytes): the gain grows with the batch, that is with load.
//
// Compression costs the single-node writer nothing measurable next to the
// fsync: make bench-ledger's binaries before and after, run alternately
// on 2026-12-03 (machine shared, fsync slow that day; the benchmark's
// zero-filled payloads compress better than real events):
//
//	one fsynced publish per event        1,741-2,174 us/event
//	group-commit writer, before          273-295 us/event, 7.9-8.0 events/message
//	group-commit writer, after (S2)      199-260 us/event, 7.9-8.0 events/message
//
// Compress-then-encrypt leaks the compressed length, and compression
// makes it depend on repetitions inside a message (the CRIME/BREACH
// attacks). Here the lengths are visible to whoever can read the
// stream's metadata, and the compressible plaintext holds no secret to
// guess byte by byte: secret values are sealed under their own data keys
// before they reach an event (ciphertext does not compress), and audit
// records carry HMACs, not values. What a length could betray is that two
// requests packed together carried an equal HMAC'd value, which an
// attacker who can also inject requests would learn only by comparing
// sizes of messages it cannot read, mixed with whatever other clients
// sent. We accept that rather than pad; a deployment that must not accept
// it can put the stream's metadata out of reach as it does the data.
//
// # Audit retention
//
// Domain events are state and stay forever; audit records may age out.
// With OpenOptions.AuditRetention set (`audit_retention` in the storage
// block; unset, records stay forever and nothing below changes), the
// writer splits each group in two messages: its audit records on
// coffer.ledger.audit with a per-message TTL (Nats-TTL: the retention),
// and its domain events on coffer.ledger.batch without one. The stream
// keeps DenyDelete and DenyPurge (measured: neither stops a TTL from
// deleting its message) and takes AllowMsgTTL by an update, so a data
// dir from before opens as it was; JetStream never lets a stream drop
// AllowMsgTTL again, so once set it stays set (an external stream must
// have it: ErrStreamSettings says so). A group of reads only is one
// audit message; a group of domain events only, one batch message.
//
// One commit per request stays: the audit message is published fenced
// on the last sequence and the domain message, without waiting, fenced
// on the audit message's slot, so the domain message, the group's
// commit point, is stored only right after its audit records (audit
// first), in one round trip. The audit message names its commit
// (Coffer-Commit: the domain message's id); if a failure comes between
// the two writes, the audit message stays and holds records of requests
// that were not committed (answered with the error, or retried and
// recorded again). Consume reports an expired tail (the last messages
// gone) as a message with no subject at the last sequence, so readers
// that wait for the last index move on.
//
// What it costs: make bench-ledger's BenchmarkAppendAudited, 16
// producers appending what an audited write appends (a request record,
// a 512-byte domain event, a response record), records kept (one
// message per group, as before) and with a retention (two messages per
// group), beside the fsync cost (BenchmarkPublishOnePerEvent),
// alternated, 2026-12-03 (machine shared, load average 6-10 on two
// cores; us per request):
//
//	                     records kept   retention         one fsynced publish
//	20,000x, round 1         193            252 (+31%)          638
//	         round 2         129            155 (+21%)          470
//	         round 3         420            537 (+28%)        1,283
//	5,000x,  round 1         277            338 (+22%)          787
//	         round 2         106            125 (+18%)          275
//	         round 3         122            143 (+17%)          306
//	         round 4         109            148 (+36%)          322
//
// 7.8-7.9 requests per message kept, 4.0 with a retention (~8 requests
// per group, two messages). An hour earlier, at a load average of 11-16,
// the same pairs ranged from 270 to 4,341 us and said nothing. The
// second message costs the server a second fsync per group: a split
// group commits in up to twice the time, and group commit hides most of
// it while requests queue (+17-36% per request here). Stored bytes per
// request barely change (175 and 179 B). The Coffer-Events header costs
// nothing measurable: BenchmarkAppendGroupCommit before and after it,
// alternated, 162/209/268 and 214/231/261 us/event (fsync rising from
// 1.1 to 1.5 ms meanwhile). The other designs, measured one group at a
// time with one producer (300 groups, during the noisy hour, a
// throwaway test):
//
//	one publish                                   1.3-2.9 ms/group
//	two publishes pipelined (this design)         3.6 ms, 5.7-6.4 ms with the TTL on one
//	JetStream atomic batch of the two             28-35 ms/group
//
// An atomic batch would make the pair all-or-nothing, but on R1 the
// server stages each batch in a file store of its own (a directory
// created, written, fsynced and removed per batch): ten to twenty times
// a commit. A separate audit stream would cost the same second fsync,
// lose the fence that orders the pair, and need a second transparency
// tree. Package archive copies the audit messages into verifiable
// segments before their TTL ends.
//
// # A full disk
//
// Audit is fail-closed, and on a full disk it is also prompt: the storage
// guard (storage.go) refuses a commit with ErrStorageFull before it is
// published when the embedded server's file system would keep less than
// the reserve free (DefaultDiskReserve, SetDiskReserve), and turns a write
// error the server logs into the same refusal at once, for the commit in
// flight too. The gateway answers 503. Nothing refused is stored. When the
// reserve is free again the guard restarts JetStream in place if the
// server had met a write error (its file stores keep such errors until
// reopened), the writer re-syncs and Consume binds again: the node serves
// within a second or so, without a restart.
//
// # Crypto-shredding
//
// Erasable data (a KV version, a transit key) is encrypted under its own data
// key kept outside the immutable stream, in a mutable stream of its own
// (DataKeys). Keys are stored many to a message: a block of keys sealed
// together by the barrier, on a subject named by the block's random id, a
// key's id being "<block>-<slot>". Blocks are made ahead of demand, so a
// write takes a key that is already durable (no fsync of its own).
// Destroying keys stores each block they are in again without them and
// overwrites the version that held them (JetStream secure delete), one
// rewrite per block for however many keys of it are erased together
// (DestroyLater's jobs are themselves group-committed and taken many at a
// time by the eraser). Erasures whose durable record is elsewhere (a KV
// version pruned by max_versions: the pruning write's own ledger message,
// listed by the kv read model until swept) use EraseSoon instead: no job,
// no fsync before the write is answered, and ids grouped for 2 s so a
// block is rewritten or deleted once per group. Ciphertext left in the
// immutable stream or in projections becomes unreadable, and the
// overwritten version is gone from the data dir. Keys of older data dirs (one per message) still read and
// erase.
//
// Held appends (Hold, then Commit or Abort) give one commit per request:
// a write's events are checked and their versions reserved at once, and
// its message waits until the request's audit response record joins them
// (commands/audit.go). What queued behind a held request waits for it;
// a hold not committed within maxHold is dropped and nothing of it is
// stored.
package ledger
