package projections

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/cofferhq/coffer/ledger"
)

// Sealed values. Every value a read model writes that holds anything a
// user wrote (policy text, mount descriptions and options, connection
// URLs, role SQL, ...) goes through PutJSON: JSON sealed by the barrier,
// bound to its pebble key (AAD), so a value cannot be moved to another key
// and `strings` on the data dir finds nothing (issue 10, item 10). Keys
// that name things use NameKey: the name's keyed HMAC, never the name.

// SealedReader is what sealed values are read from: the Store (with the
// barrier of the ledger its projector runs on) or an apply Tx.
type SealedReader interface {
	Get(key []byte) ([]byte, error)
	Scan(prefix []byte, fn func(key, value []byte) bool) error
	unsealed() (*ledger.Barrier, error)
}

// UseBarrier sets where the store's readers get the barrier that opens
// sealed values (GetJSON): the ledger's Barrier. NewProjector sets it to
// the ledger it projects; a store read without a projector sets it here.
func (s *Store) UseBarrier(barrier func() *ledger.Barrier) {
	s.barrier.Store(&barrier)
}

func (t *Tx) unsealed() (*ledger.Barrier, error) {
	if t.barrier == nil {
		return nil, ledger.ErrSealed
	}
	return t.barrier, nil
}

func (s *Store) unsealed() (*ledger.Barrier, error) {
	if f := s.barrier.Load(); f != nil {
		if b := (*f)(); b != nil {
			return b, nil
		}
	}
	return nil, ledger.ErrSealed
}

// valueAAD binds a sealed value to its pebble key.
func valueAAD(key []byte) []byte {
	return append([]byte("coffer-projection\x00"), key...)
}

// PutJSON stores v as JSON sealed by the barrier under key.
func PutJSON(tx *Tx, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("projections: encode %q: %w", key, err)
	}
	b, err := tx.unsealed()
	if err != nil {
		return err
	}
	return tx.Set(key, b.Seal(valueAAD(key), raw))
}

// GetJSON opens the sealed value under key into v; found is false (and v
// untouched) when there is none.
func GetJSON(r SealedReader, key []byte, v any) (found bool, err error) {
	sealed, err := r.Get(key)
	if err == ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b, err := r.unsealed()
	if err != nil {
		return false, err
	}
	return true, openJSON(b, key, sealed, v)
}

// OpenJSON opens sealed, a value read from key with Get, into v: for a
// reader that compares raw values before opening them.
func OpenJSON(r SealedReader, key, sealed []byte, v any) error {
	b, err := r.unsealed()
	if err != nil {
		return err
	}
	return openJSON(b, key, sealed, v)
}

func openJSON(b *ledger.Barrier, key, sealed []byte, v any) error {
	raw, err := b.Open(valueAAD(key), sealed)
	if err != nil {
		return fmt.Errorf("%w: sealed value: %v", ErrCorrupt, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: sealed value: %v", ErrCorrupt, err)
	}
	return nil
}

// ScanJSON opens every sealed value under prefix into a fresh T, in key
// order, and returns them.
func ScanJSON[T any](r SealedReader, prefix []byte) ([]T, error) {
	b, err := r.unsealed()
	if err != nil {
		return nil, err
	}
	var out []T
	var openErr error
	err = r.Scan(prefix, func(k, v []byte) bool {
		var t T
		if openErr = openJSON(b, k, v, &t); openErr != nil {
			return false
		}
		out = append(out, t)
		return true
	})
	if err == nil {
		err = openErr
	}
	return out, err
}

// NameKey is prefix followed by the hex HMAC of name for purpose: the key
// of a record whose name must not show in pebble. The record's sealed
// value holds the name for listing.
func NameKey(r SealedReader, prefix []byte, purpose, name string) ([]byte, error) {
	b, err := r.unsealed()
	if err != nil {
		return nil, err
	}
	return TxNameKey(b, prefix, purpose, name), nil
}

// TxNameKey is NameKey with the barrier at hand (an apply function's
// tx.Barrier()).
func TxNameKey(b *ledger.Barrier, prefix []byte, purpose, name string) []byte {
	k := slices.Clip(prefix)
	return hex.AppendEncode(k, b.HMAC(purpose, name))
}

// ScanNames opens every sealed record under prefix (records named by
// NameKey, so key order is HMAC order) and returns their names, sorted as
// a listing of plaintext keys was; nil when there are none.
func ScanNames[T any](r SealedReader, prefix []byte, name func(T) string) ([]string, error) {
	recs, err := ScanJSON[T](r, prefix)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rec := range recs {
		out = append(out, name(rec))
	}
	slices.Sort(out)
	return out, nil
}
