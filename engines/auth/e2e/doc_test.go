// Package e2e_test runs the auth methods end to end: a whole in-process
// node (embedded JetStream ledger, pebble projections, the real gateway)
// on a random loopback port, driven through HashiCorp's Go client
// (github.com/hashicorp/vault/api), as a Vault user would.
package e2e_test
