// Package backup saves and restores the ledger stream and the streams that
// go with it, through JetStream's own stream snapshot and restore
// (`$JS.API.STREAM.SNAPSHOT.<stream>`, `$JS.API.STREAM.RESTORE.<stream>`):
// the server streams its store's files, already compressed and
// checksummed, and takes them back; nothing here reads or copies store
// files itself. `coffer operator snapshot save|restore` drive it over
// `sys/storage/ledger/snapshot`.
//
// What a backup holds, in this order (Streams):
//
//   - COFFER_CHECKPOINTS, the transparency log's signed checkpoints. It is
//     snapshotted before the ledger, so every checkpoint in the backup
//     covers a prefix of the ledger in it and `coffer ledger verify` on
//     the restored copy checks out.
//   - COFFER_LEDGER, the ledger itself: every event and audit record,
//     each sealed by the barrier, and the seal record (the root key
//     wrapped by the seal). Required.
//   - COFFER_DATAKEYS, the per-item data keys (sealed by the barrier):
//     without them no KV version or transit key in the ledger can be
//     read. Taken after the ledger, so every key an event in the backup
//     needs was stored before it was taken.
//   - COFFER_ERASE and COFFER_REAPER, the erasures and lease revocations
//     still to do, so neither is forgotten by a restore.
//
// Left out on purpose: the singleton election's bucket (leases of a
// running cluster) and the projection snapshots (derived from the ledger;
// every node rebuilds its read models by replaying the restored ledger at
// its first unseal).
//
// Every byte is as sealed as in the stream: the backup is the stream's
// messages, which hold ciphertext and HMACs only. Opening anything in it
// takes the deployment's unseal keys (or its KMS key). Because the data
// keys are in it, a KV version destroyed after the backup was taken is
// readable again in a deployment restored from it, as a destroyed value
// is in any backup taken before the destroy: keep backups as you keep
// the unseal keys.
//
// # The file
//
// A magic line, then records of one kind byte, a big-endian uint32 length
// and the payload: a header ('H', JSON), then per stream its start ('S':
// name, JetStream's config and state), its snapshot in chunks ('C') and
// its end ('E': byte count and SHA-256 of the chunks), and last the
// trailer ('Z': the SHA-256 of every byte before it). A file cut short
// has no trailer; a changed byte breaks a digest; both are refused
// (ErrTruncated, ErrCorrupt) before a restore completes. The digests find
// accidents, not forgery: whoever can write the file can recompute them.
// Forgery is what the ledger's own defences catch: every message is
// sealed by the barrier (AEAD) and `coffer ledger verify` checks the
// signed checkpoints.
//
// # Restore
//
// A backup is restored into a new deployment only: fresh nodes, started
// and not initialised, whose ledger stream holds nothing. Restore refuses
// a deployment whose ledger or any stream it would replace holds a
// message (ErrNotEmpty), and there is no force: a ledger is append-only
// and never rewound in place, and a running deployment's every node
// keeps read models that follow its stream by sequence number, which a
// stream replaced under them would silently corrupt. To roll a
// deployment back, start a new one beside it and restore there.
//
// Restore replaces the target's empty streams with the backup's, each
// with the target's replica count (a backup of a three-node cluster
// restores into one node and the other way round), and checks every
// stream's digest before it lets JetStream finish that stream and the
// trailer at the end; on any failure it deletes what it restored and puts
// the empty streams back, so the deployment is as new again. The nodes
// then report themselves initialised and sealed; unsealing with the keys
// of the deployment the backup came from builds each node's read models
// from the restored ledger.
//
// Because a new deployment has no token yet, the restore endpoint asks
// for none: it is open exactly as long as `sys/init` is, to whoever
// reaches an uninitialised node first.
package backup
