// Package audit serves sys/audit (Vault's audit device API) and runs the
// device sinks. The ledger's audit records are the audit trail and decide
// fail-closed; a file device is a sink that tails the ledger and writes
// those records as Vault's JSON lines, so pipelines built for Vault's file
// device read Coffer's unchanged. A sink remembers the last ledger index it
// wrote in a cursor file and resumes after it: delivery to the file is
// at-least-once (a crash between a write and its cursor can repeat lines,
// never lose them).
//
// With an audit retention, records leave the ledger's stream after it; a
// sink reads through the audit archive (ledger.Store.ConsumeWithArchive),
// so a device that was down or behind for longer still writes every
// record, from the archive and then the stream, in ledger order. What
// neither holds (archiving off, or a directory archive on another node)
// is passed over loudly: an error log line naming the device and the
// ledger indexes, and coffer_audit_sink_lost_messages_total
// (LostMessages).
package audit
