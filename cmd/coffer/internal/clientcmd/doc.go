// Package clientcmd implements Coffer's client commands (status, kv, read,
// write, list, delete, secrets, token, policy).
//
// Coffer speaks HashiCorp Vault's HTTP API, so every command is a thin layer
// over github.com/hashicorp/vault/api that mirrors the Vault CLI: the same
// argument shapes, the same request paths and bodies, the same table and JSON
// output, the same messages and exit codes (0 ok, 1 usage, 2 error). Keeping
// the output byte-compatible means scripts written against `vault` keep
// working when pointed at `coffer`.
//
// The Vault CLI uses single-dash long flags (-format=json); cobra would read
// those as shorthand clusters, so callers pass os.Args through NormalizeArgs
// before execution.
package clientcmd
