// Package tokenevent is the event schema of the token aggregate: the event
// types and payloads (which name tokens by hash and accessor only, never by
// their value), the schema version, the revocation reasons and the token
// model with its pure rules (deadline, liveness).
//
// The command side (commands/token, engines/token) and the read model
// (projections/tokenstore) both import it.
package tokenevent
