// Package policystore is the read model of ACL policies and the in-memory
// cache of their compiled form that the gateway consults on every request.
//
// A policy is an aggregate of kind "policy" whose id is its lowercased
// name; policy.written carries the full text, policy.deleted removes it.
// Records live in pebble under "policy/<name>" as JSON. Policy text names
// paths and capabilities but no secret values, so it is not sealed.
//
// The built-in "default" policy exists before anything is written: until a
// policy.written event replaces it, Get returns acl.DefaultPolicy. "root"
// is never stored; it is the unconditional root ACL.
package policystore
