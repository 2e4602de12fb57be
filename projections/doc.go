// Package projections holds Coffer's read models: pebble tables built by
// applying the ledger's events in order.
//
// The projector consumes the ledger stream from applied_seq+1 and applies
// each message's events to one pebble batch together with the new
// applied_seq, so a read model and the sequence it reflects can never
// disagree. Batches are committed without fsync: the ledger is durable, and
// a restarted node resumes from the applied_seq its pebble store kept. A
// message that writes nothing (audit records only, most messages under
// reads) gets no batch: applied_seq moves in memory and reaches pebble
// with the next batch, so a restart may apply a few such messages again,
// which changes nothing. A missing projections directory is rebuilt from
// sequence 1.
//
// Store.Generation moves after every committed batch; Opened uses it to
// hand out a remembered record with no pebble read while nothing was
// committed since its bytes were read.
//
// Every event with an aggregate updates the aggregate version table, which
// the ledger writer consults for optimistic concurrency. Values that hold
// secret material are sealed by the barrier (or by the item's own data key)
// before they reach pebble.
package projections
