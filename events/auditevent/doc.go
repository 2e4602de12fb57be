// Package auditevent is the event schema of the audit trail: the request
// and response records the gateway appends for every audited request
// (HMAC'd, in the layout of Vault's file audit device), and the audit
// device table (devices are sinks that copy those records out).
package auditevent
