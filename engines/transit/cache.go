package transit

import (
	"context"
	"strings"
	"sync"

	"github.com/cofferhq/coffer/events/transitevent"
)

// keyCache holds the mount's opened keys. Reads are lock-free; a load
// stores its result only if no invalidation happened since it began, so a
// key changed during a load is never cached in its old state.
type keyCache struct {
	entries sync.Map // name -> *keyring

	mu  sync.Mutex
	gen uint64
}

func (c *keyCache) get(name string) (*keyring, bool) {
	v, ok := c.entries.Load(name)
	if !ok {
		return nil, false
	}
	return v.(*keyring), true
}

// generation is taken before a load begins.
func (c *keyCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *keyCache) store(name string, kr *keyring, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.entries.Store(name, kr)
	}
}

func (c *keyCache) invalidate(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries.Delete(name)
}

// invalidateAggregate returns the mount's Invalidate: it drops the entry
// of a key whose aggregate a committed message changed (another node's
// rotation, a rebuild).
func (c *keyCache) invalidateAggregate(mount string) func(ctx context.Context, kind, id string) {
	prefix := mount + "/"
	return func(_ context.Context, kind, id string) {
		if kind != transitevent.AggregateKind {
			return
		}
		if name, ok := strings.CutPrefix(id, prefix); ok {
			c.invalidate(name)
		}
	}
}
