// Package transitevent is the event schema of the transit key aggregate:
// the event types and payloads (key material only ever sealed under the
// key's own data key, bound by MaterialAAD), the schema version, the
// aggregate's identity and the key model both sides fold into.
//
// The command side (commands/transit) and the read model
// (projections/transitstore) both import it.
package transitevent
