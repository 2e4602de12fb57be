// Package node assembles one Coffer server: the embedded NATS server and
// its ledger, the pebble projections and their projector, the command bus,
// the engines and the HTTP gateway. The `coffer server` command and the
// in-process end-to-end tests start nodes through it, so both exercise the
// same wiring.
package node
