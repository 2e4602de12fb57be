package kvstore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// getter is what both the store and an apply transaction can read from.
type getter interface {
	Get(key []byte) ([]byte, error)
}

// loadMetadata opens the sealed metadata record at key; nil when absent.
func loadMetadata(g getter, b *ledger.Barrier, key []byte) (*kvevent.Metadata, error) {
	sealed, err := g.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return openMetadata(b, key, sealed)
}

// openMetadata opens a metadata record read from key.
func openMetadata(b *ledger.Barrier, key, sealed []byte) (*kvevent.Metadata, error) {
	plain, err := b.Open(key, sealed)
	if err != nil {
		return nil, fmt.Errorf("kvstore: open metadata: %w", err)
	}
	var m kvevent.Metadata
	if err := json.Unmarshal(plain, &m); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorruptRecord, err)
	}
	if m.Versions == nil {
		m.Versions = map[uint64]kvevent.VersionMeta{}
	}
	return &m, nil
}

func sealMetadata(b *ledger.Barrier, key []byte, m *kvevent.Metadata) ([]byte, error) {
	plain, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("kvstore: marshal metadata: %w", err)
	}
	return b.Seal(key, plain), nil
}

func loadConfig(r projections.SealedReader, mount string) (kvevent.Config, error) {
	var c kvevent.Config
	if _, err := projections.GetJSON(r, configKey(mount), &c); err != nil {
		return kvevent.Config{}, fmt.Errorf("%w: config: %w", ErrCorruptRecord, err)
	}
	return c, nil
}
