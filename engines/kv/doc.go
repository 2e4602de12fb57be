// Package kv is the KV version 2 secrets engine with Vault's API: data/,
// metadata/, delete/, undelete/, destroy/, subkeys/ and config, one file per
// path family. Handlers parse and validate the request, read the kvstore
// read model directly, and run writes through commands/kv.
//
// Mounts of type "kv-v2", or "kv" with options version "2", get the engine.
// KV version 1 is not implemented: such a mount answers every request with
// 400 "kv: version 1 is not supported yet".
package kv
