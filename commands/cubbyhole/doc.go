// Package cubbyhole holds the decisions and commands of the cubbyhole
// engine and of response wrapping.
//
// A cubbyhole belongs to one token (aggregate id = the token's hash). Its
// entries are sealed under one data key, created with its first entry;
// Erase appends cubbyhole.erased and then queues the key for destruction
// (ledger.DataKeys.DestroyLater, a durable queue), so what the immutable
// ledger holds of a dead token's cubbyhole can never be opened again.
//
// Wrap mints a response-wrapping token (an orphan service token with one
// use and the "response-wrapping" policy, Vault's shape) and stores the
// wrapped response in its cubbyhole under "response", both in one ledger
// message. Unwrap reads the response, then spends the token's single use
// and erases its cubbyhole in one message: of two concurrent unwraps the
// version check lets exactly one through. Rewrap does both in one
// message.
package cubbyhole
