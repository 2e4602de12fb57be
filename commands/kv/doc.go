// Package kv decides the commands of the KV version 2 secrets engine.
//
// Decide functions are pure: given a secret's State (mount config,
// metadata, aggregate version, the time) and a command, they return the
// events to append, stamped with commands.Sequence, or a sentinel error.
// Runner wraps them in commands.Bus.Run: it loads the state from the
// projections, creates the version's data key and seals the value under it,
// and erases data keys once a destroy, a metadata delete or max_versions
// pruning is recorded.
//
// Erasure order: the event is appended first, then the data key is
// destroyed. If the process dies in between, the ledger already says the
// version is destroyed (reads refuse it) and repeating the destroy or the
// metadata delete erases the key: destroying a key is idempotent, and the
// metadata keeps the key id of destroyed versions for exactly that.
package kv
