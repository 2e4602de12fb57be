// Package acl implements Vault's ACL policy language and evaluator for
// Coffer.
//
// # Policies
//
// A policy is a list of path blocks, parsed as Vault parses them: with
// HCL 1 (github.com/hashicorp/hcl, the version Vault uses, tolerating
// repeated attributes as OpenBao does) or, when the text starts with "{",
// with HCL 1's JSON parser. One-line blocks with several attributes,
// commas between attributes, heredocs, "#", "//" and "/* */" comments and
// "${" in strings are therefore accepted:
//
//	path "transit/keys/*" { capabilities = ["create", "update"], denied_parameters = { "deletion_allowed" = [] } }
//
// Capabilities are create, read, update, patch, delete, list, sudo,
// subscribe and deny, plus recover (Vault 1.20) and scan (OpenBao), which
// no Coffer operation needs. The legacy `policy = "deny"|"read"|"write"|
// "sudo"` attribute is expanded as Vault does. As in Vault, "deny" ends a
// rule: the names after it and the rule's constraints are not read. A
// block may carry `comment` and the constraints allowed_parameters,
// denied_parameters, required_parameters, min_wrapping_ttl and
// max_wrapping_ttl (see Constraints), which Authorize enforces.
//
// Parse errors are *ParseError values that match ErrParse (and
// ErrUnknownCapability or ErrUnsupported) and give the file:line:column of
// the offending text. JSON policies get line:column for syntax errors
// only: HCL 1's JSON parser keeps no usable positions.
//
// # Matching
//
// Patterns are exact, end in "*" (prefix match), or contain "+" segments
// (each matches exactly one path segment; a trailing "*" may follow). One
// leading "/" is stripped. "+*" is refused. Rules with the same pattern are
// merged across policies as Vault merges them (permissions.merge); rules
// with different patterns never merge. The governing rule for a request
// is found in this order: an exact rule for the path; for a list, an
// exact rule for the path without its trailing "/"; the highest-priority
// glob or "+" rule matching the path; for a list, one matching the path
// without its trailing "/". That is the order of OpenBao 2.6.0, which
// fixed GHSA-xp3c-3jw3-4vcr: Vault and older OpenBao try the trimmed path
// first, so `list` on "a/*" beat `deny` on "a/b/*" for LIST "a/b/". P1
// loses to P2 if, in order: the first "+" or "*" occurs earlier in P1; P1
// ends in "*" and P2 does not; P1 has more "+" segments; P1 is shorter; P1
// is lexicographically smaller. Deny grants nothing. Authorize adds the
// trailing "/" to a LIST path itself (ListPath), as Vault's HTTP layer
// does before its ACL check.
//
// # Parameter constraints
//
// For read, create, update and patch requests, after the capability
// check, in Vault's order: a positive max_wrapping_ttl or
// min_wrapping_ttl refuses an unwrapped request or one whose wrap TTL is
// outside the bound; every required parameter must be present (under its
// lowercased name); with no parameters the request passes; a denied
// parameter "*" refuses any parameter; a request parameter whose
// lowercased name is denied is refused if its value is denied (an empty
// list denies every value); then, if allowed_parameters is not empty and
// is not just "*", every request parameter must be allowed by name (or
// "*") and by value (an empty list allows every value). String values
// match Vault's globs ("foo-*", "*-bar", "*mid*"). A list value, or a
// comma-separated string, is denied if any element is denied and allowed
// if every element is allowed (Vault 1.19+).
//
// # Differences from Vault
//
//   - Identity templates ({{identity.entity.id}} ...) are not expanded;
//     templated rules are parsed (with Vault's balance check) but skipped
//     by New, which is Vault's behaviour for a token without an entity.
//   - Numbers in parameter constraints compare by value. Vault compares a
//     policy's int with the request's json.Number by reflect.DeepEqual,
//     which never matches, so `denied_parameters = { ttl = [0] }` denies
//     nothing in Vault. Strings, booleans and numbers still never equal
//     one another, as Vault documents ("list both false and \"false\"").
//   - An empty list or empty string passes a populated allowed list only
//     if the list allows it; Vault lets both through (no element fails),
//     which lets a client clear a parameter restricted to named values.
//   - JSON policies with a boolean, a list or null inside a list are
//     refused: HCL 1's JSON parser drops booleans and nested lists, so
//     Vault reads `"allowed_parameters": {"force": [false]}` as "any
//     value". A truncated JSON document is refused, not read as empty.
//   - Refused instead of ignored, since ignoring them would grant more
//     than the policy says: mfa_methods and control_group (Enterprise),
//     subscribe_event_types, and parameter names that Vault 1.21 reads as
//     JSON pointers into nested parameters ("/a/b") or that hold "*"
//     other than a lone "*". OpenBao-only keys (pagination_limit,
//     expiration, list_scan_response_keys_filter_path) are unknown keys.
//   - LIST lookup follows the fixed OpenBao order (above), not Vault's.
//   - Namespaces, Sentinel and the "recover" and "scan" operations are not
//     supported.
package acl
