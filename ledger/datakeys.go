package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// Data keys live in their own stream, one subject per key and one message
// per subject, so that erasing a key can overwrite its stored bytes
// (JetStream secure delete). A key-value bucket would be the obvious shape,
// but JetStream creates KV streams with DenyDelete, which forbids exactly
// that.
const (
	dataKeyStream = "COFFER_DATAKEYS"
	dataKeyPrefix = "coffer.datakeys."
)

// DataKeys stores per-item keys for crypto-shredding. Each key is sealed by
// the barrier before it is stored; plaintext keys are cached in memory only.
type DataKeys struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	erase   jetstream.Stream
	mu      sync.RWMutex
	barrier *Barrier
	cache   sync.Map // id -> []byte
}

func openDataKeys(ctx context.Context, js jetstream.JetStream, replicas int) (*DataKeys, error) {
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              dataKeyStream,
		Description:       "Coffer erasable data keys (sealed by the barrier)",
		Subjects:          []string{dataKeyPrefix + ">"},
		Storage:           jetstream.FileStorage,
		MaxMsgsPerSubject: 1,
		DenyPurge:         true,
		Replicas:          replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: create data-key stream: %w", err)
	}
	erase, err := createEraseQueue(ctx, js, replicas)
	if err != nil {
		return nil, err
	}
	return &DataKeys{js: js, stream: stream, erase: erase}, nil
}

func (d *DataKeys) setBarrier(b *Barrier) {
	d.mu.Lock()
	d.barrier = b
	d.mu.Unlock()
}

func (d *DataKeys) getBarrier() (*Barrier, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.barrier == nil {
		return nil, ErrSealed
	}
	return d.barrier, nil
}

func dataKeyAAD(id string) []byte { return []byte("coffer-datakey\x00" + id) }

// Create makes a new random data key, stores it durably and returns its id
// and the key.
func (d *DataKeys) Create(ctx context.Context) (string, []byte, error) {
	b, err := d.getBarrier()
	if err != nil {
		return "", nil, err
	}
	id, key := NewID(), RandomKey()
	if _, err := d.js.Publish(ctx, dataKeyPrefix+id, b.Seal(dataKeyAAD(id), key), jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		return "", nil, fmt.Errorf("ledger: store data key: %w", err)
	}
	d.cache.Store(id, key)
	return id, key, nil
}

// Get returns the data key id, or ErrDataKeyDestroyed if it was erased.
func (d *DataKeys) Get(ctx context.Context, id string) ([]byte, error) {
	if k, ok := d.cache.Load(id); ok {
		return k.([]byte), nil
	}
	b, err := d.getBarrier()
	if err != nil {
		return nil, err
	}
	m, err := d.stream.GetLastMsgForSubject(ctx, dataKeyPrefix+id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, ErrDataKeyDestroyed
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read data key: %w", err)
	}
	key, err := b.Open(dataKeyAAD(id), m.Data)
	if err != nil {
		return nil, err
	}
	d.cache.Store(id, key)
	return key, nil
}

// Destroy erases the data key: its stored message is overwritten and
// removed. Destroying an absent key is not an error.
func (d *DataKeys) Destroy(ctx context.Context, id string) error {
	d.cache.Delete(id)
	m, err := d.stream.GetLastMsgForSubject(ctx, dataKeyPrefix+id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: find data key: %w", err)
	}
	if err := d.stream.SecureDeleteMsg(ctx, m.Sequence); err != nil {
		return fmt.Errorf("ledger: erase data key: %w", err)
	}
	d.cache.Delete(id)
	return nil
}

// SealWith encrypts plaintext under a data key (nonce || ct), binding aad.
func SealWith(key, aad, plaintext []byte) ([]byte, error) { return sealWithKey(key, aad, plaintext) }

// OpenWith decrypts what SealWith produced.
func OpenWith(key, aad, sealed []byte) ([]byte, error) { return openWithKey(key, aad, sealed) }
