package kvstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Reader answers queries on the kv read model. Secret values are opened
// with their data keys on demand; nothing is cached here.
type Reader struct {
	Store  *projections.Store
	Ledger *ledger.Store
}

func (r Reader) barrier() (*ledger.Barrier, error) {
	b := r.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	return b, nil
}

// Config returns the mount's configuration (zero value when never
// written).
func (r Reader) Config(mount string) (kvevent.Config, error) {
	return loadConfig(r.Store, mount)
}

// Metadata returns a secret's metadata, or ErrNotFound.
func (r Reader) Metadata(mount, path string) (*kvevent.Metadata, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	key := metadataKey(mount, kvevent.PathHash(b, mount, path))
	// The generation is read before the record: an entry kept under it
	// holds bytes no older than it (projections.Opened.Current).
	gen := r.Store.Generation()
	if m, ok := opened.Current(b, key, gen, (*kvevent.Metadata).Clone); ok {
		return m, nil
	}
	sealed, err := r.Store.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		opened.Forget(key)
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if m, ok := opened.GetAt(b, key, sealed, gen, (*kvevent.Metadata).Clone); ok {
		return m, nil
	}
	m, err := openMetadata(b, key, sealed)
	if err != nil {
		return nil, err
	}
	opened.PutAt(b, key, sealed, gen, m.Clone())
	return m, nil
}

// opened keeps the metadata of secrets being read: every KV read opens
// its secret's metadata (the current version, deletion and destruction),
// and the AES-GCM open and JSON decode were most of the read's CPU.
var opened = projections.Opened[*kvevent.Metadata]{Max: 4096}

// Exists reports whether a secret has metadata (the create-vs-update
// existence check) without opening it.
func (r Reader) Exists(mount, path string) (bool, error) {
	b, err := r.barrier()
	if err != nil {
		return false, err
	}
	_, err = r.Store.Get(metadataKey(mount, kvevent.PathHash(b, mount, path)))
	switch {
	case errors.Is(err, projections.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Value returns a version's plaintext (a JSON object). It returns
// ErrNotFound when the version has no value record (destroyed, pruned or
// never written) and ErrErased when its data key is gone.
func (r Reader) Value(ctx context.Context, mount, path string, version uint64) ([]byte, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	rec, err := r.Store.Get(versionKey(mount, kvevent.PathHash(b, mount, path), version))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	keyID, ct, err := decodeVersionRecord(rec)
	if err != nil {
		return nil, err
	}
	key, err := r.Ledger.DataKeys().Get(ctx, keyID)
	if errors.Is(err, ledger.ErrDataKeyDestroyed) {
		return nil, ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("kvstore: data key: %w", err)
	}
	plain, err := ledger.OpenWith(key, kvevent.ValueAAD(mount, path, version), ct)
	if err != nil {
		return nil, fmt.Errorf("kvstore: open version: %w", err)
	}
	return plain, nil
}

// List returns the names directly under prefix (which is "" or ends in
// "/"), sorted, with folders ending in "/", as Vault's LIST does. It opens
// every path name of the mount: LIST costs a scan of the mount, the price
// of keeping path names out of pebble keys.
func (r Reader) List(mount, prefix string) ([]string, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	seen := map[string]struct{}{}
	var openErr error
	err = r.Store.Scan(namePrefix(mount), func(key, value []byte) bool {
		name, err := b.Open(key, value)
		if err != nil {
			openErr = fmt.Errorf("kvstore: open path name: %w", err)
			return false
		}
		rest, ok := strings.CutPrefix(string(name), prefix)
		if !ok || rest == "" {
			return true
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i+1]
		}
		seen[rest] = struct{}{}
		return true
	})
	if err == nil {
		err = openErr
	}
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}
