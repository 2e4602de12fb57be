// Package checkpoint is the ledger's transparency service: it keeps the
// checkpointer running while the node is unsealed (a signed Merkle
// checkpoint over every stored message, as ledger/transparency makes them)
// and serves the online side of `coffer ledger verify|prove`:
// sys/ledger/checkpoint-key, sys/ledger/verify and sys/ledger/prove/:index,
// and the writer's counters at sys/ledger/stats.
package checkpoint
