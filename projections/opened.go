package projections

import (
	"bytes"
	"sync"
	"weak"

	"github.com/cofferhq/coffer/ledger"
)

// Opened keeps records a read path decoded from sealed values, so the
// next read of an unchanged record skips the AES-GCM open and the JSON
// decode (a token on every request, a secret's metadata on every KV
// read: issue 16). The pebble read still happens: an entry is used only
// when the bytes now stored under its key are exactly the bytes it was
// opened from, under the same barrier, and every write seals with a
// fresh nonce, so a changed record always misses. Nothing here is ever
// written to disk.
//
// Values are shared between readers: a reader must copy what it hands on
// to callers that may modify it (Get takes a copy function).
type Opened[T any] struct {
	// Max bounds the entries; when full, an arbitrary entry is evicted.
	Max int

	mu sync.Mutex
	m  map[string]openedEntry[T]
}

type openedEntry[T any] struct {
	// barrier is weak: an entry must not keep a sealed node's keys alive.
	barrier weak.Pointer[ledger.Barrier]
	sealed  []byte
	v       T
	// gen is the Store.Generation read before sealed was read from the
	// store (0: unknown, for bytes a batch read): while the store is
	// still at gen, sealed is what the store holds under key.
	gen uint64
}

// Get returns a copy of the value opened from sealed under key with
// barrier, if there is one.
func (c *Opened[T]) Get(b *ledger.Barrier, key, sealed []byte, copyOf func(T) T) (T, bool) {
	return c.GetAt(b, key, sealed, 0, copyOf)
}

// GetAt is Get for sealed just read from a store whose generation was
// gen before the read: a hit also marks the entry current at gen.
func (c *Opened[T]) GetAt(b *ledger.Barrier, key, sealed []byte, gen uint64, copyOf func(T) T) (T, bool) {
	c.mu.Lock()
	e, ok := c.m[string(key)]
	ok = ok && e.barrier == weak.Make(b) && bytes.Equal(e.sealed, sealed)
	if ok && gen > e.gen {
		e.gen = gen
		c.m[string(key)] = e
	}
	c.mu.Unlock()
	if !ok {
		var zero T
		return zero, false
	}
	return copyOf(e.v), true
}

// Current returns a copy of the value under key without reading the
// store, when nothing was committed to the store since the entry's bytes
// were read from it: gen is the store's Generation now. Under a load of
// reads, which commit no batch (the projector passes messages of audit
// records alone), this saves the request path's pebble reads of its
// token and its secret's metadata; any committed batch makes every entry
// go back to GetAt's comparison of bytes.
func (c *Opened[T]) Current(b *ledger.Barrier, key []byte, gen uint64, copyOf func(T) T) (T, bool) {
	c.mu.Lock()
	e, ok := c.m[string(key)]
	c.mu.Unlock()
	if !ok || gen == 0 || e.gen != gen || e.barrier != weak.Make(b) {
		var zero T
		return zero, false
	}
	return copyOf(e.v), true
}

// Put remembers v, opened from sealed under key with barrier. The caller
// hands over v and sealed: it must not modify them afterwards.
func (c *Opened[T]) Put(b *ledger.Barrier, key, sealed []byte, v T) {
	c.PutAt(b, key, sealed, 0, v)
}

// PutAt is Put for sealed read from a store whose generation was gen
// before the read (Store.Generation), so that Current may use it.
func (c *Opened[T]) PutAt(b *ledger.Barrier, key, sealed []byte, gen uint64, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]openedEntry[T])
		registerOpened(c.clear)
	}
	if _, ok := c.m[string(key)]; !ok && len(c.m) >= max(c.Max, 1) {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[string(key)] = openedEntry[T]{barrier: weak.Make(b), sealed: sealed, v: v, gen: gen}
}

// Forget drops the entry of key: its record is gone (a revoked token, a
// deleted secret), and what was opened from it need not stay in memory.
func (c *Opened[T]) Forget(key []byte) {
	c.mu.Lock()
	delete(c.m, string(key))
	c.mu.Unlock()
}

func (c *Opened[T]) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// Every cache in use, so that sealing can empty them all: decrypted
// records must not outlive the barrier that opened them in memory, even
// though no other barrier could use them.
var (
	allOpenedMu sync.Mutex
	allOpened   []func()
)

func registerOpened(clear func()) {
	allOpenedMu.Lock()
	allOpened = append(allOpened, clear)
	allOpenedMu.Unlock()
}

// ForgetOpened empties every Opened cache. The node calls it when it
// seals.
func ForgetOpened() {
	allOpenedMu.Lock()
	defer allOpenedMu.Unlock()
	for _, clear := range allOpened {
		clear()
	}
}
