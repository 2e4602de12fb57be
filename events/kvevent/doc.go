// Package kvevent is the event schema of the KV version 2 aggregate: the
// event types and payloads the kv commands append, the schema version they
// are written with, the aggregate's identity (kind, ids, the path HMAC and
// the value's associated data) and the pure rules both sides share
// (metadata fold, max_versions, delete_version_after).
//
// The command side (commands/kv) and the read model (projections/kvstore)
// both import it; it imports only the ledger. Payloads are a contract: the
// ledger keeps them forever, and events/testdata holds one fixture per type
// and schema version that a test decodes on every run.
package kvevent
