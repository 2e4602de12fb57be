// Package framework is the contract between the gateway and the engines:
// the logical request and response, path tables (like Vault's
// framework.Path) and the typed errors that become Vault's error shapes.
//
// An engine is a Backend: a table of paths, each a regular expression over
// the path relative to the mount, with one handler per operation. The
// gateway authenticates, canonicalises and ACL-checks before a handler runs;
// handlers only validate their own input and call the command bus.
package framework
