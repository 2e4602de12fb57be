// Package scenarios holds Coffer's end-to-end tests: each starts the real
// coffer binary (see package harness) and drives it only through public
// surfaces — the process, the HTTP API through HashiCorp's Vault Go client,
// and the CLI. They are skipped with -short.
//
// The load generator is in ./loadgen (`make bench`).
package scenarios
