package authstore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// reader is what both the store and an apply transaction read from.
type reader interface {
	Get(key []byte) ([]byte, error)
	Scan(prefix []byte, fn func(key, value []byte) bool) error
}

// sealAAD binds a sealed value to its pebble key.
func sealAAD(key []byte) []byte { return append([]byte("coffer-auth\x00"), key...) }

// putSealed stores v as JSON sealed under key.
func putSealed(tx *projections.Tx, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("authstore: marshal: %w", err)
	}
	return tx.Set(key, tx.Barrier().Seal(sealAAD(key), raw))
}

// getSealed opens the value under key into v; found is false when there is
// none.
func getSealed(r reader, b *ledger.Barrier, key []byte, v any) (found bool, err error) {
	raw, err := r.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, openInto(b, key, raw, v)
}

func openInto(b *ledger.Barrier, key, sealed []byte, v any) error {
	if b == nil {
		return ledger.ErrSealed
	}
	raw, err := b.Open(sealAAD(key), sealed)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return nil
}

// names lists the suffixes after prefix of the keys under it.
func names(r reader, prefix []byte) ([]string, error) {
	var out []string
	err := r.Scan(prefix, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return true
	})
	return out, err
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
