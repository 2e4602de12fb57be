package transitstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/projections"
)

// getter is what both the store and an apply transaction can read from.
type getter interface {
	Get(key []byte) ([]byte, error)
}

func decodeKey(raw []byte) (*transitevent.Key, error) {
	var k transitevent.Key
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("%w: key: %v", ErrCorruptRecord, err)
	}
	if k.Versions == nil {
		k.Versions = map[int]transitevent.VersionInfo{}
	}
	return &k, nil
}

// loadKey returns the key's record, or nil when there is none.
func loadKey(g getter, mount, name string) (*transitevent.Key, error) {
	raw, err := g.Get(keyKey(mount, name))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeKey(raw)
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
	_, err := s.Get(keyKey(mount, name))
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
	for range snapshotAttempts {
		before, err := s.Get(keyKey(mount, name))
		if errors.Is(err, projections.ErrNotFound) {
			return nil, nil, ErrNotFound
		}
		if err != nil {
			return nil, nil, err
		}
		sealed := map[int][]byte{}
		prefix := versionPrefix(mount, name)
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
		after, err := s.Get(keyKey(mount, name))
		if errors.Is(err, projections.ErrNotFound) {
			return nil, nil, ErrNotFound
		}
		if err != nil {
			return nil, nil, err
		}
		if !bytes.Equal(before, after) {
			continue
		}
		k, err := decodeKey(after)
		if err != nil {
			return nil, nil, err
		}
		for v := range k.Versions {
			if _, ok := sealed[v]; !ok {
				return nil, nil, fmt.Errorf("%w: version %d of %q has no material", ErrCorruptRecord, v, name)
			}
		}
		return k, sealed, nil
	}
	return nil, nil, ErrInconsistent
}

// List returns the names of the mount's keys, sorted.
func List(s *projections.Store, mount string) ([]string, error) {
	prefix := keyPrefix(mount)
	var names []string
	err := s.Scan(prefix, func(key, _ []byte) bool {
		names = append(names, string(key[len(prefix):]))
		return true
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// Each calls fn with every key record of the mount until fn returns false.
func Each(s *projections.Store, mount string, fn func(*transitevent.Key) bool) error {
	var decodeErr error
	err := s.Scan(keyPrefix(mount), func(_, value []byte) bool {
		k, err := decodeKey(value)
		if err != nil {
			decodeErr = err
			return false
		}
		return fn(k)
	})
	if err != nil {
		return err
	}
	return decodeErr
}
