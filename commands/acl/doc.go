// Package acl implements Vault's ACL policy language and evaluator for
// Coffer.
//
// # Policies
//
// A policy is a list of path blocks, written in HCL native syntax (parsed
// with github.com/hashicorp/hcl/v2) or, when the text starts with "{", in
// HCL JSON syntax:
//
//	path "secret/data/myapp/*" {
//	  capabilities = ["read", "list"]
//	}
//
// Capabilities are create, read, update, patch, delete, list, sudo,
// subscribe and deny. The legacy `policy = "deny"|"read"|"write"|"sudo"`
// attribute is expanded as Vault does. A block may also carry `comment`
// and the constraints allowed_parameters, denied_parameters,
// required_parameters, min_wrapping_ttl and max_wrapping_ttl: their shape
// is validated, but they are NOT enforced yet (PathRule.Unenforced names
// them so callers can warn). Any other attribute or block, including
// Vault Enterprise's mfa_methods and control_group, is refused.
//
// Parse errors are *ParseError values that match ErrParse (and
// ErrUnknownCapability for an unknown capability) and give the
// file:line:column of the offending text.
//
// # Matching
//
// Patterns are exact, end in "*" (prefix match), or contain "+" segments
// (each matches exactly one path segment; a trailing "*" may follow). One
// leading "/" is stripped. "+*" is refused. Rules with the same pattern are
// merged across policies: capabilities are unioned and deny in any one
// makes the merged rule deny. For a request path an exact rule wins;
// otherwise the highest-priority matching glob/"+" rule wins, and only
// that rule's capabilities apply. P1 loses to P2 if, in order: the first
// "+" or "*" occurs earlier in P1; P1 ends in "*" and P2 does not; P1 has
// more "+" segments; P1 is shorter; P1 is lexicographically smaller.
// Deny grants nothing. List requests on "x/" also try "x", as Vault does.
//
// # Differences from Vault
//
//   - Identity templates ({{identity.entity.id}} ...) are not expanded;
//     templated rules are parsed but skipped by New, which is Vault's
//     behaviour for a token without an entity.
//   - Parameter and wrapping-TTL constraints are parsed, not enforced.
//   - HCL v2 is stricter than Vault's HCL v1: repeating an attribute in one
//     block (e.g. several `policy = ...` lines) and quoted attribute names
//     are errors, and "${" in strings starts an HCL template.
//   - Unknown capability names are always errors, even after "deny".
//   - Namespaces, Sentinel, control groups, MFA, expiring paths and the
//     "recover" capability are not supported.
package acl
