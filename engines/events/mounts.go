package events

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// mountInfo is what an event needs to know about a mount.
type mountInfo struct {
	path     string // with trailing slash
	typ      string
	accessor string
}

// Built-in mounts that are not in the mount table.
var (
	sysMount   = mountInfo{path: "sys/", typ: "system", accessor: "system"}
	tokenMount = mountInfo{path: "auth/token/", typ: "token", accessor: "auth_token"}
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
	byAccessor map[string]mountInfo
	missing    map[string]bool
}

func newMountCache(store *projections.Store) *mountCache {
	c := &mountCache{store: store, byAccessor: map[string]mountInfo{}, missing: map[string]bool{}}
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
	if rec.Type != mountstore.EventEnabled {
		return
	}
	var e mountstore.Enabled
	if json.Unmarshal(rec.Data, &e) == nil && e.Accessor != "" {
		c.byAccessor[e.Accessor] = mountInfo{path: e.Path, typ: e.Type, accessor: e.Accessor}
	}
}

// byAccessorOf returns the mount with accessor, if known.
func (c *mountCache) byAccessorOf(accessor string) (mountInfo, bool) {
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
		c.byAccessor[m.Accessor] = mountInfo{path: m.Path, typ: m.Type, accessor: m.Accessor}
	}
}

// byPathPrefix returns the known mount holding path (longest prefix), for
// events that carry a path but no accessor (leases).
func (c *mountCache) byPathPrefix(path string) (mountInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best mountInfo
	found := false
	for _, m := range c.byAccessor {
		if strings.HasPrefix(path, m.path) && len(m.path) > len(best.path) {
			best, found = m, true
		}
	}
	return best, found
}
