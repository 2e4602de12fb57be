// Package pkievent is the event schema of the PKI secrets engine: the
// event types and payloads of its three aggregates, the schema version,
// the aggregates' identities and the records both the command side
// (commands/pki) and the read model (projections/pkistore) fold into.
//
// Aggregates:
//
//   - KindMount, one per mount: its keys, issuers, default issuer and key,
//     config/urls and config/crl. CA changes are rare and must see each
//     other (names are unique per mount, the first issuer becomes the
//     default), so they share one aggregate.
//   - KindRole, one per role.
//   - KindCert, one per certificate serial: its issuance and its
//     revocation. Issuing never contends with anything (serials are 159
//     random bits), so issuance scales with the ledger writer.
//
// A private key travels only sealed (ledger.SealWith) under the key's own
// data key, bound by KeyAAD; deleting the key destroys that data key, so
// every copy (events, read model, rebuilds) becomes unreadable. A leaf's
// private key is never recorded at all: it is returned once, as Vault
// does. Certificates and serials are public and recorded as they are.
package pkievent
