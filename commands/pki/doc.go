// Package pki decides the commands of the PKI secrets engine on its three
// aggregates (events/pkievent): the mount (keys, issuers, defaults,
// config/urls, config/crl, crl/rotate), roles, and certificates (issued,
// revoked, tidied).
//
// Decide functions are pure: given an aggregate's state (its record,
// version and the time) and a command whose x509 work is already done by
// the engine (engines/pki/policy and certs decide what a certificate may
// hold and sign it), they return the events to append, stamped with
// commands.Sequence, or an error. Runner wraps them in commands.Bus.Run
// and manages the data keys private keys are sealed under.
//
// # Data keys and erasure
//
// Every CA private key is sealed under its own data key
// (ledger.DataKeys): the data key is made before the decision and
// destroyed again if the decision refuses; deleting a key destroys its
// data key first and records pki.key_deleted after, as transit does.
package pki
