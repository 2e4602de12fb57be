package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"
)

// Data keys live in their own stream, outside the immutable ledger, so that
// erasing a key can overwrite its stored bytes (JetStream secure delete). A
// key-value bucket would be the obvious shape, but JetStream creates KV
// streams with DenyDelete, which forbids exactly that.
//
// Keys are stored many to a message (datakeys_block.go) and handed out from
// a pool of keys already stored: a write takes a key that is already
// durable, so creating its data key costs it no fsync. The pool is refilled
// a block at a time, in the background once it runs low, and by the caller
// that finds it empty (the others wait for that one block). A key left in
// the pool when the node stops or seals was never used for anything; it
// stays in its block, unreferenced.
const (
	dataKeyStream = "COFFER_DATAKEYS"
	dataKeyPrefix = "coffer.datakeys."
	// poolMinBlock and maxBlockKeys bound a refill.
	poolMinBlock = 32
)

// DataKeys stores per-item keys for crypto-shredding. Keys are sealed by
// the barrier before they are stored; plaintext keys are cached in memory
// only.
type DataKeys struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	erase   jetstream.Stream
	mu      sync.RWMutex
	barrier *Barrier
	cache   sync.Map // id -> []byte
	guard   *storageGuard
	// erasing counts erasures in progress and eraseGen changes when one
	// starts or ends: a Get that read a block while an erasure could have
	// been rewriting it does not cache the block's keys, so an erased key
	// is never put back in the cache by a read that raced its erasure.
	erasing  atomic.Int64
	eraseGen atomic.Uint64

	pool      chan pooledKey
	refillMu  sync.Mutex // one refill at a time
	refilling chan struct{}
	// blockSize is how many keys the next refill stores: it doubles each
	// time a caller finds the pool empty, up to maxBlockKeys.
	blockSize atomic.Int64
	sealEpoch uint64

	stop     chan struct{}
	stopOnce sync.Once
	eraser   *batcher[[]string]
	queue    *batcher[[]string]

	// soon holds EraseSoon's ids until the next flush (eraser_soon.go).
	soonMu    sync.Mutex
	soon      []string
	soonTimer bool

	statsMu sync.Mutex
	stats   DataKeyStats
}

type pooledKey struct {
	id    string
	key   []byte
	epoch uint64
}

// DataKeyStats counts what the data-key store did.
type DataKeyStats struct {
	// Blocks and Created count stored blocks and the keys in them.
	Blocks  uint64
	Created uint64
	// Handed counts keys given out by Create.
	Handed uint64
	// Rewrites counts blocks stored again without erased keys; Erased
	// the keys erased; SecureDeletes the overwritten messages.
	Rewrites      uint64
	Erased        uint64
	SecureDeletes uint64
	// Jobs counts erase jobs queued (DestroyLater messages).
	Jobs uint64
}

func openDataKeys(ctx context.Context, js jetstream.JetStream, replicas int, guard *storageGuard) (*DataKeys, error) {
	cfg := jetstream.StreamConfig{
		Name:        dataKeyStream,
		Description: "Coffer erasable data keys (sealed by the barrier)",
		Subjects:    []string{dataKeyPrefix + ">"},
		Storage:     jetstream.FileStorage,
		// A block briefly has two versions while it is rewritten.
		MaxMsgsPerSubject: -1,
		DenyPurge:         true,
		Replicas:          replicas,
	}
	stream, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ledger: create data-key stream: %w", err)
	}
	erase, err := createEraseQueue(ctx, js, replicas)
	if err != nil {
		return nil, err
	}
	d := &DataKeys{js: js, stream: stream, erase: erase, guard: guard,
		pool: make(chan pooledKey, 2*maxBlockKeys), refilling: make(chan struct{}, 1), stop: make(chan struct{})}
	d.blockSize.Store(poolMinBlock)
	d.eraser = newBatcher(256, d.stop, d.eraseKeys)
	d.queue = newBatcher(256, d.stop, d.storeJob)
	return d, nil
}

func (d *DataKeys) close() {
	if d != nil {
		d.stopOnce.Do(func() { close(d.stop) })
	}
}

func (d *DataKeys) setBarrier(b *Barrier) {
	d.mu.Lock()
	d.barrier = b
	d.sealEpoch++
	d.mu.Unlock()
	if b == nil {
		// Pooled keys are plaintext in memory: drop them with the barrier.
		for {
			select {
			case k := <-d.pool:
				clear(k.key)
			default:
				return
			}
		}
	}
}

func (d *DataKeys) getBarrier() (*Barrier, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.barrier == nil {
		return nil, ErrSealed
	}
	return d.barrier, nil
}

func (d *DataKeys) epoch() uint64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.sealEpoch
}

func (d *DataKeys) count(fn func(*DataKeyStats)) {
	d.statsMu.Lock()
	fn(&d.stats)
	d.statsMu.Unlock()
}

// Stats returns a copy of the counters.
func (d *DataKeys) Stats() DataKeyStats {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.stats
}

// Create returns a new random data key, already stored durably, and its
// id.
func (d *DataKeys) Create(ctx context.Context) (string, []byte, error) {
	if _, err := d.getBarrier(); err != nil {
		return "", nil, err
	}
	for {
		if k, ok := d.take(); ok {
			return k.id, k.key, nil
		}
		if err := d.guard.state(); err != nil {
			return "", nil, err
		}
		if size := d.blockSize.Load(); size < maxBlockKeys {
			d.blockSize.CompareAndSwap(size, min(2*size, maxBlockKeys))
		}
		if err := d.refill(ctx, true); err != nil {
			return "", nil, err
		}
	}
}

// take hands out a pooled key of the current seal, asking for a refill in
// the background when the pool runs low.
func (d *DataKeys) take() (pooledKey, bool) {
	epoch := d.epoch()
	for {
		select {
		case k := <-d.pool:
			if k.epoch != epoch {
				continue
			}
			if int64(len(d.pool)) < d.blockSize.Load()/2 {
				select {
				case d.refilling <- struct{}{}:
					go func() {
						defer func() { <-d.refilling }()
						ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
						defer cancel()
						_ = d.refill(ctx, false)
					}()
				default:
				}
			}
			d.cache.Store(k.id, k.key)
			d.count(func(s *DataKeyStats) { s.Handed++ })
			return k, true
		default:
			return pooledKey{}, false
		}
	}
}

// refill stores one block of new keys into the pool. A caller that found
// the pool empty (waited) refills only if nobody did while it waited for
// the lock.
func (d *DataKeys) refill(ctx context.Context, waited bool) error {
	d.refillMu.Lock()
	defer d.refillMu.Unlock()
	if waited && len(d.pool) > 0 {
		return nil
	}
	n := min(int(d.blockSize.Load()), cap(d.pool)-len(d.pool))
	if n <= 0 {
		return nil
	}
	epoch := d.epoch()
	ids, keys, err := d.storeBlock(ctx, n)
	if err != nil {
		return err
	}
	for i := range ids {
		select {
		case d.pool <- pooledKey{id: ids[i], key: keys[i], epoch: epoch}:
		default:
		}
	}
	return nil
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
	ref, err := parseDataKeyID(id)
	if err != nil {
		return nil, err
	}
	if ref.block == "" {
		return d.getLegacy(ctx, b, ref.legacy)
	}
	gen := d.eraseGen.Load()
	_, kb, err := d.readBlock(ctx, ref.block)
	if err != nil {
		return nil, err
	}
	key, ok := kb[ref.slot]
	if !ok {
		return nil, ErrDataKeyDestroyed
	}
	// Keys of a block were created together and are usually read
	// together.
	if d.erasing.Load() == 0 && d.eraseGen.Load() == gen {
		for slot, k := range kb {
			d.cache.Store(blockKeyID(ref.block, slot), k)
		}
	}
	return key, nil
}

func (d *DataKeys) getLegacy(ctx context.Context, b *Barrier, id string) ([]byte, error) {
	gen := d.eraseGen.Load()
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
	if d.erasing.Load() == 0 && d.eraseGen.Load() == gen {
		d.cache.Store(id, key)
	}
	return key, nil
}

func dataKeyAAD(id string) []byte { return []byte("coffer-datakey\x00" + id) }

// Destroy erases the data key: the block that holds it is stored again
// without it and the old version's bytes are overwritten. Destroying an
// absent key is not an error. Concurrent calls share block rewrites.
func (d *DataKeys) Destroy(ctx context.Context, id string) error {
	d.cache.Delete(id)
	if err := d.guard.state(); err != nil {
		return err
	}
	return d.eraser.do(ctx, []string{id})
}

// SealWith encrypts plaintext under a data key (nonce || ct), binding aad.
func SealWith(key, aad, plaintext []byte) ([]byte, error) { return sealWithKey(key, aad, plaintext) }

// OpenWith decrypts what SealWith produced.
func OpenWith(key, aad, sealed []byte) ([]byte, error) { return openWithKey(key, aad, sealed) }
