// Package commands is Coffer's command bus: load an aggregate's state from
// the projections, decide the events with a pure function, append them to
// the ledger against the version the decision was made on, and wait until
// the local projections have applied them so the caller reads its own
// write. A version conflict reloads and decides again.
//
// Aggregate-specific decide functions live in sub-packages or in the engines
// that own them; they are pure (state, command) -> events functions and are
// unit-tested without a ledger.
package commands
