// Package auditdevice decides changes to the audit device table. An audit
// device in Coffer is a sink: the ledger's audit records are the truth (and
// decide fail-closed); a device copies them out in Vault's format so
// existing log pipelines keep working.
package auditdevice
