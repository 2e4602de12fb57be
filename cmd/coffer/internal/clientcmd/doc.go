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
// those as shorthand clusters, so callers pass os.Args through cliargs.Normalize
// before execution.
//
// Every command takes Vault's -output-curl-string and -output-policy: the
// api client stops at the command's first request and the command prints
// it as curl (the token as $(coffer print token)) or as the policy it needs
// (dryrun.go). The KV mount preflight still runs for real, as in Vault, so
// what is printed is the command's real request. Shell completion is
// cobra's (`coffer completion bash|zsh|fish`).
package clientcmd
