// Package snapshotevent is the event schema of projection snapshots: the
// record a node appends to the ledger when it has stored a sealed snapshot
// of every read model, naming the ledger index the snapshot reflects and
// the digest of its sealed bytes. A node restoring from a snapshot trusts
// the snapshot only when the ledger (the truth, tamper-evident through the
// transparency log) holds a record with the same name, index and digest.
package snapshotevent
