package mountstore

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Table is the in-memory copy of the mount table used to route requests.
// Match never touches pebble; Reload rebuilds the copy. It is safe for
// concurrent use.
type Table struct {
	store *projections.Store

	reload sync.Mutex // serialises Reload so the last one stored is the freshest
	byPath atomic.Pointer[map[string]Mount]
}

// NewTable returns an empty table over store; call Reload to fill it.
func NewTable(store *projections.Store) *Table {
	t := &Table{store: store}
	empty := map[string]Mount{}
	t.byPath.Store(&empty)
	return t
}

// Reload rebuilds the in-memory table from the projections.
func (t *Table) Reload() error {
	t.reload.Lock()
	defer t.reload.Unlock()
	mounts, err := List(t.store)
	if err != nil {
		return err
	}
	byPath := make(map[string]Mount, len(mounts))
	for _, m := range mounts {
		byPath[m.Path] = m
	}
	t.byPath.Store(&byPath)
	return nil
}

// Match finds the mount holding path by longest prefix and returns it with
// the path relative to it. As in Vault's router, "secret" matches the
// mount "secret/" (relative path ""). Mount paths always end at a segment
// boundary, so only the prefixes ending in "/" are candidates: the lookup
// costs one map probe per path segment, whatever the table's size.
func (t *Table) Match(path string) (Mount, string, bool) {
	byPath := *t.byPath.Load()
	if len(byPath) == 0 {
		return Mount{}, "", false
	}
	if !strings.HasSuffix(path, "/") {
		if m, ok := byPath[path+"/"]; ok {
			return m, "", true
		}
	}
	for end := len(path); end > 0; {
		i := strings.LastIndexByte(path[:end], '/')
		if i < 0 {
			break
		}
		if m, ok := byPath[path[:i+1]]; ok {
			return m, path[i+1:], true
		}
		end = i
	}
	return Mount{}, "", false
}

// Observer reloads the table after any committed mount event, so every
// node routes by the table its projections hold. A reload failure keeps
// the previous table (the next mount event retries).
func (t *Table) Observer() projections.Observer {
	return func(recs []ledger.Record) {
		for i := range recs {
			if strings.HasPrefix(recs[i].Type, "mount.") {
				_ = t.Reload()
				return
			}
		}
	}
}

// ByAccessor finds the mount with accessor acc (a mount keeps its
// accessor when it moves, while its path changes). It scans the table:
// callers are rare (a login token's renewal), routing uses Match.
func (t *Table) ByAccessor(acc string) (Mount, bool) {
	for _, m := range *t.byPath.Load() {
		if m.Accessor == acc {
			return m, true
		}
	}
	return Mount{}, false
}
