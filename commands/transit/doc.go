// Package transit decides the commands on transit keys: create, rotate
// (by hand or on schedule), config, trim and delete.
//
// Decide functions are pure: given a key's State (its record, aggregate
// version and the time) and a command whose key material is already
// generated and sealed, they return the events to append, stamped with
// commands.Sequence, or an error. Runner wraps them in commands.Bus.Run: it
// generates key material (Generate), seals it under the key's data key and
// manages the data keys themselves.
//
// # Data keys and erasure
//
// Every version of a key is sealed under one data key per key
// (ledger.DataKeys); the events and the read model only ever hold sealed
// material. The order of the side effects is chosen so that erasure is
// never lost:
//
//   - create: a new data key is made first; if the creation loses a race
//     (the key appeared meanwhile) the unused data key is destroyed.
//   - delete: the data key is destroyed first, then transit.key_deleted is
//     appended. If the process dies in between, the key is still listed but
//     its material is unreadable, and repeating the delete completes it.
//   - trim: the remaining versions are re-sealed under a new data key, the
//     transit.key_trimmed event carries them, and only after it is stored
//     is the old data key destroyed. If the process dies in between, the
//     trimmed versions are no longer served but their material is still
//     recoverable by someone holding the unseal keys until the old data key
//     is destroyed; the Runner logs nothing secret and the event names the
//     retired key id so an operator (or a later sweep) can finish it.
package transit
