// Package archive keeps the ledger's audit records after they leave the
// stream: with an audit retention set (ledger.OpenOptions.AuditRetention,
// `storage "ledger" { audit_retention = "90d" }`), audit messages carry a
// per-message TTL and the server deletes them when it runs out; before
// that, the Archiver (a singleton, on the elected node) copies them as
// stored into append-only segments in a Store: a directory (Dir;
// `<data dir>/audit-archive` by default, `audit_archive_path`) or an S3
// bucket (S3; `audit_archive_path = "s3://bucket/prefix"`). The
// archiver, Reader and Verify see only the Store interface.
//
// # Segments
//
// A segment is named audit-<first>-<last>.seg (20-digit ledger indexes)
// and holds every audit message stored at first..last, written once and
// never rewritten: in a directory a file (temporary file, fsync, link
// into place, directory fsync; mode 0400), in S3 the object
// <prefix>/<name>, put with If-None-Match: * after a HEAD finds no such
// key (the condition is S3's own guard; the HEAD keeps a server that
// ignores it from overwriting, short of two archivers racing). The
// ranges tile the ledger: each starts after the one before ends. A
// segment is JSON lines:
//
//	{"format":1,"first":..,"last":..,"count":N,"prev":"<name>","prev_digest":"<sha-256>","created":..}
//	{"seq":..,"subject":"coffer.ledger.audit","stored":..,"header":{..},"data":"<sealed bytes, base64>"}   (N lines)
//	{"leaves":["<leaf hash, hex>", ..],"checkpoint":"<signed note>"}
//
// Messages are kept exactly as stored (sealed body, Nats-Msg-Id, Nats-TTL,
// the event count, the stored time), so their transparency leaves
// (transparency.MessageLeafHash) are recomputed from the file alone. The
// trailer carries those leaves and the newest signed checkpoint when the
// segment was written; the archiver waits (up to twice its flush age)
// for a checkpoint that covers the segment's last index. prev and
// prev_digest chain each segment to the one before it, so a removed
// segment is named by its successor.
//
// A segment is written once its oldest message is a quarter of the
// retention old (at most an hour), or when it holds MaxMessages: well
// before the TTL deletes them. An archiver that is down for longer than
// the retention loses what expired meanwhile, and Verify reports those
// indexes as dropped.
//
// # Replay
//
// Reader gives the ledger its archived messages back
// (ledger.Store.SetArchive): ConsumeWithArchive, which replay and the
// audit devices' sinks read through, fills each index that aged out
// from the segment holding it, so an old period replays whole, and a
// device that fell behind catches up, on a node that reaches the
// archive (any node, with S3; with a directory, the node holding it). It trusts the files (Verify checks them); their messages are
// sealed, so a forged one does not decode.
//
// # Verify
//
// Verify runs transparency.Verify over the retained stream with the
// archived messages put back at their indexes, so the signed checkpoints
// are checked against the whole history, and checks each segment on its
// own (messages against its leaves, its checkpoint's signature, the
// chain). Findings name the segment: a missing one (by the chain, or as
// the range past the newest one), an altered one (a message that does
// not hash to its leaf, a digest its successor does not record, an
// index in its range the checkpoints refuse). It reads the archive into
// memory, which bounds the archive one run can check.
package archive
