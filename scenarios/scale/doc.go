// Package scale is the ledger's scale test (issue 17, part 4): it grows a
// ledger of N events the way a serving node writes them and measures what
// that history costs: disk per event, the memory of a node serving it, the
// time until a node serves again after losing its projections (from the
// latest projection snapshot, and by a full replay), and the throughput
// of `coffer ledger verify`, each printed beside this machine's fsync
// cost.
//
// It is a test gated on COFFER_SCALE_EVENTS, so `go test ./...` skips it;
// `make bench-scale` runs it (SCALE_EVENTS=10000000 for ten million).
//
// Generation runs a dev node in the test process (node.Start) and sends
// it requests through its http.Handler, without a socket: the gateway,
// the audit records, the command bus and the group-committing ledger
// writer are the real ones, so the ledger holds what a server under that
// load would hold (audited KV writes and reads, token creations), only
// faster than over HTTP. This is the one place a scenario starts the node
// in process (the layers test checks non-test imports only): a ledger of
// millions of events cannot be grown through a socket in a bounded run.
// Everything after generation uses the built binary where it can (the
// serving node's memory, `coffer ledger verify`); the two restarts after
// deleting projections/ run in process, because only node.Config can turn
// snapshots off for the full replay.
//
// TestMemory is issue 16's memory goal, gated on COFFER_SCALE_MEMORY
// (`make bench-memory`): it writes 100,000 KV v2 paths of ten versions
// each (a million versions, KV's default max_versions) and 100,000 PKI
// certificates of a generate_lease role (real lease records from a path
// that needs no external system) through an in-process node the same
// way, then serves reads from the built binary on that data dir and
// prints its resident memory (VmRSS, VmHWM), its Go heap and the top of
// its heap profile. It fails if the peak resident memory reaches 1 GiB.
// COFFER_SCALE_MEMORY_DATA names a data dir filled before (a fill cut
// short, a copy of a real one): the run serves it without writing.
package scale
