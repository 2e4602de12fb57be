// Package kv is the KV version 2 secrets engine with Vault's API: data/,
// metadata/, delete/, undelete/, destroy/, subkeys/ and config, one file per
// path family. Handlers parse and validate the request, read the kvstore
// read model directly, and run writes through commands/kv.
//
// Mounts of type "kv-v2", or "kv" with options version "2", get the engine.
// Other "kv" mounts are KV version 1 (path_v1.go): one unversioned value per
// path, stored on the same aggregate and read model as a v2 secret, so it
// has the same encryption (a data key per value), events (kv-v1/write,
// kv-v1/delete) and erasure (an overwritten or deleted value's data key is
// erased), and a tune to options version "2" (`kv enable-versioning`)
// turns each value into the current version of a v2 secret.
package kv
