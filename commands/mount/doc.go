// Package mount decides changes to the mount table: enabling a secrets
// engine at a path, tuning it, disabling it.
//
// The decide functions are pure: they take the table as the projections
// hold it (State) and a command, and return the events to append or a
// *Refusal worded as Vault words it. The Exec helpers load the state and
// run the decision on the command bus, which retries on conflict.
//
// Disabling a mount removes it from the routing table at once, so its
// data is unreachable; the engine storage keyed by the old accessor is not
// yet deleted (cleanup is deferred). Re-enabling the path creates a new
// accessor, so the new mount starts empty.
package mount
