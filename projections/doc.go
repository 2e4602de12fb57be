// Package projections holds Coffer's read models: pebble tables built by
// applying the ledger's events in order.
//
// The projector consumes the ledger stream from applied_seq+1 and applies
// each message's events to one pebble batch together with the new
// applied_seq, so a read model and the sequence it reflects can never
// disagree. Batches are committed without fsync: the ledger is durable, and
// a restarted node resumes from the applied_seq its pebble store kept. A
// missing projections directory is rebuilt from sequence 1.
//
// Every event with an aggregate updates the aggregate version table, which
// the ledger writer consults for optimistic concurrency. Values that hold
// secret material are sealed by the barrier (or by the item's own data key)
// before they reach pebble.
package projections
