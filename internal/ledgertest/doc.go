// Package ledgertest starts a throw-away Coffer ledger for tests: an
// embedded NATS server, the ledger on it (initialised with the dev seal, or
// unsealed when the data dir already holds one), and — unless asked not to —
// pebble projections with a running projector, a command bus and the
// framework.Deps an engine is built from.
//
// Everything lives under one data dir laid out as a node's (DIR/nats,
// DIR/projections, DIR/DEV-ONLY-unseal.key), so a test can stop the
// environment, look at or tamper with the files, and start it again:
//
//	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){kvstore.Register}})
//	b, err := kv.Factory(env.Deps, mountInfo)
//	...
//	env.Restart(t) // same dir, unsealed again, projections caught up
//
// Start registers Stop with t.Cleanup; Stop may also be called earlier and
// more than once. Start returns once the projections have applied every
// message already in the ledger.
//
// Package ledger's own tests cannot use this package (it imports ledger).
package ledgertest
