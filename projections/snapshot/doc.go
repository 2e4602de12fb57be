// Package snapshot takes, keeps and restores sealed snapshots of the read
// models, so a node that lost its projections (or a new cluster node)
// serves after replaying only the tail of the ledger rather than all of it.
//
// A snapshot is a pebble checkpoint of the projections at the index it
// reflects (applied_seq and the read models are committed in one batch, so
// a checkpoint is consistent at its own applied_seq), archived with tar
// and sealed by the barrier in 1 MiB frames whose additional data binds
// the snapshot's name, index, frame position and a last-frame flag. No
// plaintext leaves the process: the sealed bytes are written to a
// temporary file while their SHA-256 is computed, a
// projections.snapshot_taken record (name, index, digest) is appended to
// the ledger, and the sealed bytes go to a JetStream object store bucket
// (COFFER_SNAPSHOTS) replicated like the ledger, so any node of the
// cluster, including one that never saw the others' disks, can restore
// it. The last few are kept.
//
// A restore trusts a snapshot only when the ledger (the truth, covered by
// the transparency log) holds its record with the same name, index and
// digest, its bytes hash to that digest, every frame opens under the
// barrier, and the extracted store reports the recorded index. Otherwise
// it is skipped for the next older one, and when none is usable the node
// replays the whole ledger. The object's metadata only points at the
// record; forging it gains nothing.
//
// Snapshots are taken by one elected node (a singleton) after a number of
// events or a time since the last one (Policy). Events are counted from
// the batch messages' event-count header (ledger.CountEvents), not by
// opening the messages again: the tail's replay costs per event, and a
// message packs tens of them under load. A restore is only
// ever a starting point: the node then consumes the ledger from the
// snapshot's index on, so the ledger stays the truth.
package snapshot
