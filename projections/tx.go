package projections

import (
	"github.com/cockroachdb/pebble/v2"

	"github.com/cofferhq/coffer/ledger"
)

// Tx is the batch one ledger message is applied in. Reads see the batch's
// own writes, so later events of a message see earlier ones.
type Tx struct {
	b       *pebble.Batch
	barrier *ledger.Barrier
}

// Barrier seals values that hold secret material.
func (t *Tx) Barrier() *ledger.Barrier { return t.barrier }

// Get returns a copy of the value at key, or ErrNotFound.
func (t *Tx) Get(key []byte) ([]byte, error) { return get(t.b, key) }

// Set writes key.
func (t *Tx) Set(key, value []byte) error { return t.b.Set(key, value, nil) }

// Delete removes key.
func (t *Tx) Delete(key []byte) error { return t.b.Delete(key, nil) }

// DeletePrefix removes every key with prefix.
func (t *Tx) DeletePrefix(prefix []byte) error {
	return t.b.DeleteRange(prefix, prefixEnd(prefix), nil)
}

// Scan iterates keys with prefix as the batch sees them.
func (t *Tx) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	return scan(t.b, prefix, fn)
}
