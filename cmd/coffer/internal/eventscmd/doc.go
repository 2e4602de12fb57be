// Package eventscmd is the command line for Coffer's event subscriptions
// and ledger audits: `coffer events subscribe`, `coffer ledger replay` and
// `coffer ledger state-at`.
//
// The commands talk to the server with plain net/http: the address comes
// from -address, COFFER_ADDR or VAULT_ADDR (default http://127.0.0.1:8200),
// the token from COFFER_TOKEN, VAULT_TOKEN or ~/.vault-token, TLS settings
// from -ca-cert/-tls-skip-verify or COFFER_CACERT/VAULT_CACERT and
// COFFER_SKIP_VERIFY/VAULT_SKIP_VERIFY.
//
// `events subscribe` reads Server-Sent Events and prints one line per
// event. When the connection drops, or the server ends the stream because
// it shuts down or the subscriber fell behind, it reconnects with
// Last-Event-ID set to the last cursor it saw, so nothing is missed and
// nothing printed twice; a revoked token or a refused request ends it.
//
// `ledger replay` follows the server's pagination to the end of the range
// and prints JSON Lines (-format json) or a table. When its output goes to
// a file or a pipe and stderr is a terminal, a progress bar on stderr
// shows the ledger index reached within the range.
package eventscmd
