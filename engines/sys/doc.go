// Package sys is the built-in system backend mounted at sys/: the mount
// table (sys/mounts, sys/auth, the CLI's mount preflight), ACL policies
// (sys/policies/acl and the legacy sys/policy), capability checks, health
// and seal status, and the barrier's key status, rotation and audit hash.
//
// Request and response shapes are Vault's. Where Vault's HTTP layer
// copies a sys response's data to the top level of the body (its
// injectDataIntoTopRoutes: sys/mounts, sys/auth, sys/policy,
// sys/capabilities*, sys/key-status, sys/audit-hash, sys/rotate), the
// handler renders the whole body itself (Response.Raw) and keeps Data for
// the audit record.
//
// Built-in mounts reported but not implemented here: sys/mounts lists the
// secrets engines modules mount at a fixed path (cubbyhole/); identity/
// is not listed; sys/auth lists token/ besides the enabled methods.
package sys
