package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// Reserved keys. Read models use their own prefixes ("kv/", "tok/", ...).
var (
	keyAppliedSeq    = []byte("\x00applied_seq")
	prefixAggVersion = []byte("\x00v/")
)

// Store is the pebble database that holds every read model.
type Store struct {
	db      *pebble.DB
	applied atomic.Uint64

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

// Open opens (or creates) the pebble store in dir.
func Open(dir string) (*Store, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("projections: open pebble: %w", err)
	}
	s := &Store{db: db, changed: make(chan struct{})}
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

// Close closes pebble.
func (s *Store) Close() error { return s.db.Close() }

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

func aggVersionKey(kind, id string) []byte {
	k := append(bytes.Clone(prefixAggVersion), kind...)
	k = append(k, 0)
	return append(k, id...)
}

// AggregateVersion is the version of an aggregate as of AppliedSeq.
func (s *Store) AggregateVersion(kind, id string) (uint64, error) {
	v, err := s.Get(aggVersionKey(kind, id))
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
