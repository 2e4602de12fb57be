package events

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// mountCache maps mount accessors (which engine events carry) to mount
// paths (which subscribers and ACLs speak). It learns from mount.enabled
// records as they pass and never forgets a mount, so events of a mount
// disabled since still map; on a miss it reloads the current table once,
// and remembers misses until the next mount record so a replay over a
// long-gone mount does not rescan the table for every event.
type mountCache struct {
	store *projections.Store

	mu         sync.RWMutex
	byAccessor map[string]framework.MountRef
	missing    map[string]bool
}

func newMountCache(store *projections.Store) *mountCache {
	c := &mountCache{store: store, byAccessor: map[string]framework.MountRef{}, missing: map[string]bool{}}
	if store != nil {
		c.reload()
	}
	return c
}

// learn records the mount named by a mount.enabled record.
func (c *mountCache) learn(rec *ledger.Record) {
	if !strings.HasPrefix(rec.Type, "mount.") {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.missing)
	if rec.Type != mountevent.EventEnabled {
		return
	}
	var e mountevent.Enabled
	if json.Unmarshal(rec.Data, &e) == nil && e.Accessor != "" {
		c.byAccessor[e.Accessor] = framework.MountRef{Path: e.Path, Type: e.Type, Accessor: e.Accessor}
	}
}

// byAccessorOf returns the mount with accessor, if known.
func (c *mountCache) byAccessorOf(accessor string) (framework.MountRef, bool) {
	c.mu.RLock()
	m, ok := c.byAccessor[accessor]
	miss := c.missing[accessor]
	c.mu.RUnlock()
	if ok || miss || c.store == nil {
		return m, ok
	}
	c.reload()
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok = c.byAccessor[accessor]
	if !ok {
		c.missing[accessor] = true
	}
	return m, ok
}

func (c *mountCache) reload() {
	mounts, err := mountstore.List(c.store)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range mounts {
		c.byAccessor[m.Accessor] = framework.MountRef{Path: m.Path, Type: m.Type, Accessor: m.Accessor}
	}
}

// byPathPrefix returns the known mount holding path (longest prefix), for
// events that carry a path but no accessor (leases).
func (c *mountCache) byPathPrefix(path string) (framework.MountRef, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best framework.MountRef
	found := false
	for _, m := range c.byAccessor {
		if strings.HasPrefix(path, m.Path) && len(m.Path) > len(best.Path) {
			best, found = m, true
		}
	}
	return best, found
}
