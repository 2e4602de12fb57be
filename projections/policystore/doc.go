// Package policystore is the read model of ACL policies and the in-memory
// cache of their compiled form that the gateway consults on every request.
//
// A policy is an aggregate of kind "policy" whose id is its lowercased
// name; policy.written carries the full text, policy.deleted removes it.
// Records live in pebble under "policy/<hex HMAC of the name>" as JSON
// sealed by the barrier (projections.PutJSON): policy text names the paths
// a deployment has, which is worth hiding from whoever reads the data dir.
//
// The built-in "default" policy exists before anything is written: until a
// policy.written event replaces it, Get returns acl.DefaultPolicy. "root"
// is never stored; it is the unconditional root ACL.
package policystore
