// Package transitstore is the read model of the transit secrets engine: one
// record per named key with its settings and per-version metadata, and one
// record per key version holding that version's key material sealed under
// the key's own data key. Its events and key model are in
// events/transitevent.
//
// Layout in pebble, all under "transit/<mount accessor>\x00":
//
//	k<hmac>               the key's settings and version metadata (JSON
//	                      sealed by the barrier, projections.PutJSON)
//	v<hmac>\x00<version>  the version's key material sealed under the key's
//	                      data key (ledger.SealWith, MaterialAAD)
//
// <hmac> is the hex HMAC of mount and key name (projections.NameKey): a
// key's name shows only inside its sealed record.
//
// Key material never reaches pebble or the ledger in plaintext, and never
// under the barrier alone: every copy (the event that created the version,
// this read model, any rebuild of it) is sealed under the key's data key
// (ledger.DataKeys). Deleting the key destroys that data key, so every copy
// becomes unreadable at once. Trimming re-seals the versions that remain
// under a fresh data key and destroys the old one, so trimmed versions are
// erased too, not merely hidden.
//
// Apply functions never open key material: a rebuild from the ledger works
// even though the data keys of deleted keys are gone.
package transitstore
