package authstore

import (
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Records are sealed by the barrier (projections.PutJSON), bound to their
// pebble key, and named by the keyed HMAC of their mount and name
// (projections.NameKey): neither a user or role name nor anything a role
// holds is in pebble in plaintext (issue 10, item 10). The name is kept
// inside the sealed record, for listing.

// nameKey is the key of the record of mount's name under prefix.
func nameKey(r projections.SealedReader, prefix []byte, purpose, mount, name string) ([]byte, error) {
	return projections.NameKey(r, prefix, purpose, mount+"\x00"+name)
}

// getNamed opens the record named by keyOf into v. b is the caller's
// barrier: nil means the node is sealed.
func getNamed(s *projections.Store, b *ledger.Barrier, keyOf func(projections.SealedReader) ([]byte, error), v any) (found bool, err error) {
	if b == nil {
		return false, ledger.ErrSealed
	}
	k, err := keyOf(s)
	if err != nil {
		return false, err
	}
	return projections.GetJSON(s, k, v)
}

// putNamed seals v under the record named by keyOf.
func putNamed(tx *projections.Tx, keyOf func(projections.SealedReader) ([]byte, error), v any) error {
	k, err := keyOf(tx)
	if err != nil {
		return err
	}
	return projections.PutJSON(tx, k, v)
}

// deleteNamed removes the record named by keyOf.
func deleteNamed(tx *projections.Tx, keyOf func(projections.SealedReader) ([]byte, error)) error {
	k, err := keyOf(tx)
	if err != nil {
		return err
	}
	return tx.Delete(k)
}

func key(parts ...string) []byte {
	var k []byte
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

func decoded[T any](fn func(tx *projections.Tx, e *T) error) projections.ApplyFunc {
	return projections.Decoded(ErrCorruptRecord, fn)
}
