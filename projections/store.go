package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/cofferhq/coffer/ledger"
)

// Reserved keys. Read models use their own prefixes ("kv/", "tok/", ...).
var (
	keyAppliedSeq    = []byte("\x00applied_seq")
	keyFormat        = []byte("\x00format")
	prefixAggVersion = []byte("\x00v/")
)

// Format is the layout version of the read models. A store written in
// another layout is deleted on Open and rebuilt from the ledger, which is
// the source of truth: bump it when a read model changes what it stores.
//
//	1  values in plaintext except secret material (before issue 10)
//	2  every value sealed by the barrier, names in keys HMAC'd (PutJSON)
//	3  user and role names of auth methods, token roles and PKI roles
//	   HMAC'd in keys too (NameKey), the AppRole role-id index sealed
//	4  lease ids and token accessors HMAC'd in the lease indexes (and a
//	   folder index for listings), AppRole secret ID accessors too
const Format = 4

// Store is the pebble database that holds every read model.
type Store struct {
	db      *pebble.DB
	applied atomic.Uint64
	// gen changes after every batch committed to db (Generation).
	gen atomic.Uint64
	// barrier opens sealed values; set by NewProjector.
	barrier atomic.Pointer[func() *ledger.Barrier]

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever applied moves
	stalled error
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// Open opens (or creates) the pebble store in dir. A store of another
// Format is removed and created empty, so the projector rebuilds it from
// sequence 1.
func Open(dir string) (*Store, error) {
	db, err := openFormat(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, changed: make(chan struct{})}
	s.committed()
	v, closer, err := db.Get(keyAppliedSeq)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		db.Close()
		return nil, fmt.Errorf("projections: read applied_seq: %w", err)
	default:
		s.applied.Store(binary.BigEndian.Uint64(v))
		closer.Close()
	}
	return s, nil
}

// openFormat opens pebble in dir, first removing a store whose format is
// not Format. A store holding nothing yet (no applied_seq) takes the
// current format.
func openFormat(dir string) (*pebble.DB, error) {
	opts := &pebble.Options{Logger: quietLogger{}}
	// Bloom filters on every level (L1 and below take L0's): most reads
	// on the request path look for a key that is not there (a new token's
	// version, a path written for the first time), and without a filter
	// such a miss searches every sstable it might be in (issue 16).
	opts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	// A block cache of 64 MiB rather than pebble's 8: with 8, a token
	// create's reads of its parent's record went to the file for index
	// blocks (pread, 5% of the server's CPU in a profile of token-create);
	// with 64 they stopped showing. The cache holds what is read, so an
	// idle store costs little of it.
	opts.CacheSize = 64 << 20
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("projections: open pebble: %w", err)
	}
	format, err := get(db, keyFormat)
	switch {
	case err == nil && len(format) == 8 && binary.BigEndian.Uint64(format) == Format:
		return db, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		db.Close()
		return nil, err
	}
	if _, err := get(db, keyAppliedSeq); err == nil {
		// Written in an older layout: start again from nothing.
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("projections: close old format: %w", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("projections: remove old format: %w", err)
		}
		if db, err = pebble.Open(dir, opts); err != nil {
			return nil, fmt.Errorf("projections: open pebble: %w", err)
		}
	}
	if err := db.Set(keyFormat, u64(Format), pebble.Sync); err != nil {
		db.Close()
		return nil, fmt.Errorf("projections: write format: %w", err)
	}
	return db, nil
}

// Close closes pebble.
func (s *Store) Close() error { return s.db.Close() }

// generations numbers the states of every Store in the process: a value
// names one store between two of its commits, never another store (a
// rebuilt or replayed one) or another time.
var generations atomic.Uint64

// Generation names the store's contents: it changes after every batch
// the projector commits, and is never the same for two stores or two
// states of one. A value read at generation g is still the stored value
// while Generation returns g (read g before the value).
func (s *Store) Generation() uint64 { return s.gen.Load() }

// committed moves Generation on; called after a batch is committed, so
// that a reader that read the old generation and then the new value only
// keeps it under a generation that is gone.
func (s *Store) committed() { s.gen.Store(generations.Add(1)) }

// AppliedSeq is the last ledger sequence reflected in the read models.
func (s *Store) AppliedSeq() uint64 { return s.applied.Load() }

// WaitApplied blocks until the read models reflect seq.
func (s *Store) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		s.mu.Lock()
		ch, stalled := s.changed, s.stalled
		s.mu.Unlock()
		if s.applied.Load() >= seq {
			return nil
		}
		if stalled != nil {
			return stalled
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("projections: waiting for seq %d (applied %d): %w", seq, s.applied.Load(), ctx.Err())
		}
	}
}

func (s *Store) advance(seq uint64) {
	s.applied.Store(seq)
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) stall(err error) {
	s.mu.Lock()
	s.stalled = fmt.Errorf("%w: %v", ErrStalled, err)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Stalled returns the error that stopped the projector, if any.
func (s *Store) Stalled() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stalled
}

// Get returns a copy of the value at key, or ErrNotFound.
func (s *Store) Get(key []byte) ([]byte, error) { return get(s.db, key) }

// getter is what Store and Tx read from: the database or the batch.
type getter interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

func get(r getter, key []byte) ([]byte, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("projections: get: %w", err)
	}
	out := bytes.Clone(v)
	closer.Close()
	return out, nil
}

// Scan calls fn for each key with prefix, in order, until fn returns false.
func (s *Store) Scan(prefix []byte, fn func(key, value []byte) bool) error {
	return scan(s.db, prefix, fn)
}

type iterable interface {
	NewIter(*pebble.IterOptions) (*pebble.Iterator, error)
}

func scan(r iterable, prefix []byte, fn func(key, value []byte) bool) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return fmt.Errorf("projections: iterate: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	return it.Error()
}

// prefixEnd is the smallest key greater than every key with prefix.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// aggVersionKey names an aggregate by the HMAC of its id: ids hold names
// (a policy's, a role's, a secret's path).
func aggVersionKey(b *ledger.Barrier, kind, id string) []byte {
	k := append(bytes.Clone(prefixAggVersion), kind...)
	k = append(k, 0)
	return TxNameKey(b, k, "aggregate", kind+"\x00"+id)
}

// AggregateVersion is the version of an aggregate as of AppliedSeq.
func (s *Store) AggregateVersion(kind, id string) (uint64, error) {
	b, err := s.unsealed()
	if err != nil {
		return 0, err
	}
	v, err := s.Get(aggVersionKey(b, kind, id))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(v), nil
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// Delete removes keys outside the projector, for a read model's own
// housekeeping rows that no event removes (kvstore's data keys pending
// erasure, once a sweep saw them erased). Not synced: a row that comes
// back after a crash is only done again.
func (s *Store) Delete(keys ...[]byte) error {
	b := s.db.NewBatch()
	defer b.Close()
	for _, k := range keys {
		if err := b.Delete(k, nil); err != nil {
			return fmt.Errorf("projections: delete: %w", err)
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("projections: delete: %w", err)
	}
	return nil
}
