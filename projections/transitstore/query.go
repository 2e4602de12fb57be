package transitstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/projections"
)

func fillKey(k *transitevent.Key) *transitevent.Key {
	if k.Versions == nil {
		k.Versions = map[int]transitevent.VersionInfo{}
	}
	return k
}

// loadKey returns the key's record, or nil when there is none.
func loadKey(g projections.SealedReader, mount, name string) (*transitevent.Key, error) {
	n, err := keysOf(g, mount, name)
	if err != nil {
		return nil, err
	}
	var k transitevent.Key
	found, err := projections.GetJSON(g, n.key, &k)
	if err != nil {
		return nil, fmt.Errorf("%w: key: %w", ErrCorruptRecord, err)
	}
	if !found {
		return nil, nil
	}
	return fillKey(&k), nil
}

// Get returns the key's record, or ErrNotFound.
func Get(s *projections.Store, mount, name string) (*transitevent.Key, error) {
	k, err := loadKey(s, mount, name)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, ErrNotFound
	}
	return k, nil
}

// Exists reports whether the key has a record, without decoding it.
func Exists(s *projections.Store, mount, name string) (bool, error) {
	n, err := keysOf(s, mount, name)
	if err != nil {
		return false, err
	}
	_, err = s.Get(n.key)
	switch {
	case errors.Is(err, projections.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// snapshotAttempts bounds the re-reads of a key that keeps changing.
const snapshotAttempts = 8

// Snapshot returns the key's record and the sealed material of each of its
// versions, read consistently: every event changes the key record, so the
// record read again after the versions proves nothing was applied in
// between.
func Snapshot(s *projections.Store, mount, name string) (*transitevent.Key, map[int][]byte, error) {
	n, err := keysOf(s, mount, name)
	if err != nil {
		return nil, nil, err
	}
	for range snapshotAttempts {
		before, err := s.Get(n.key)
		if errors.Is(err, projections.ErrNotFound) {
			return nil, nil, ErrNotFound
		}
		if err != nil {
			return nil, nil, err
		}
		sealed := map[int][]byte{}
		prefix := n.versions
		var bad error
		err = s.Scan(prefix, func(key, value []byte) bool {
			rest := key[len(prefix):]
			if len(rest) != 8 {
				bad = fmt.Errorf("%w: version key of %q", ErrCorruptRecord, name)
				return false
			}
			sealed[int(binary.BigEndian.Uint64(rest))] = bytes.Clone(value)
			return true
		})
		if err == nil {
			err = bad
		}
		if err != nil {
			return nil, nil, err
		}
		after, err := s.Get(n.key)
		if errors.Is(err, projections.ErrNotFound) {
			return nil, nil, ErrNotFound
		}
		if err != nil {
			return nil, nil, err
		}
		if !bytes.Equal(before, after) {
			continue
		}
		// Every event rewrites the sealed record (with a fresh nonce), so
		// equal bytes mean nothing was applied in between.
		var k transitevent.Key
		if err := projections.OpenJSON(s, n.key, after, &k); err != nil {
			return nil, nil, fmt.Errorf("%w: key: %w", ErrCorruptRecord, err)
		}
		fillKey(&k)
		for v := range k.Versions {
			if _, ok := sealed[v]; !ok {
				return nil, nil, fmt.Errorf("%w: version %d of %q has no material", ErrCorruptRecord, v, name)
			}
		}
		return &k, sealed, nil
	}
	return nil, nil, ErrInconsistent
}

// List returns the names of the mount's keys, sorted.
func List(s *projections.Store, mount string) ([]string, error) {
	recs, err := projections.ScanJSON[transitevent.Key](s, keyPrefix(mount))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(recs))
	for _, k := range recs {
		names = append(names, k.Name)
	}
	sort.Strings(names)
	return names, nil
}

// Each calls fn with every key record of the mount until fn returns false.
func Each(s *projections.Store, mount string, fn func(*transitevent.Key) bool) error {
	recs, err := projections.ScanJSON[transitevent.Key](s, keyPrefix(mount))
	if err != nil {
		return err
	}
	for i := range recs {
		if !fn(fillKey(&recs[i])) {
			break
		}
	}
	return nil
}
