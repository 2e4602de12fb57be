// Package ledgercmd implements `coffer ledger verify` and `coffer ledger
// prove`, the command-line face of ledger/transparency.
//
// Both work offline, on a data dir (-data-dir DIR: a backup or a stopped
// node's directory; the command copies DIR/nats and starts its own
// embedded NATS server on the copy, so the original is never written), or
// online against a running server through the Vault-style API
// (sys/ledger/verify, sys/ledger/prove/:index and sys/ledger/checkpoint-key,
// read with COFFER_ADDR/VAULT_ADDR and COFFER_TOKEN/VAULT_TOKEN). Neither
// needs unseal keys.
//
// The checkpoint public key should be pinned with -public-key (a note
// verifier key "coffer-ledger+<hash>+<base64>", or the raw key in base64 or
// hex). Without it the commands use the key recorded next to the
// checkpoints and say so: whoever can rewrite a data dir can replace that
// record too.
//
// On a terminal, `verify` shows progress on stderr: a bar over the ledger's
// messages offline, a spinner with the time elapsed online (the server
// reports nothing until it is done). Off a terminal it draws nothing.
//
// Exit codes: 0 verified; 2 verification failed (the ledger, a checkpoint
// or a proof does not check out); 1 usage errors and failures to read.
package ledgercmd
