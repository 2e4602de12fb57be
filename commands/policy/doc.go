// Package policy decides writes and deletions of ACL policies.
//
// Decisions are pure: DecideWrite validates the name and parses the text
// with commands/acl (so a malformed policy is refused with its line and
// column before anything is recorded), DecideDelete protects the built-in
// policies. The Exec helpers load the aggregate's version and run the
// decision on the command bus.
package policy
