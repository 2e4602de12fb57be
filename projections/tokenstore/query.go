package tokenstore

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Get returns the live record of the token with hash, or ErrNotFound. It
// does not check expiry: see Token.Live.
func Get(s *projections.Store, b *ledger.Barrier, hash string) (*tokenevent.Token, error) {
	if b == nil {
		return nil, ErrSealed
	}
	key := idKey(hash)
	// The generation is read before the record: an entry kept under it
	// holds bytes no older than it (projections.Opened.Current).
	gen := s.Generation()
	if t, ok := opened.Current(b, key, gen, copyToken); ok {
		return t, nil
	}
	sealed, err := s.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		opened.Forget(key)
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return openCached(b, hash, key, sealed, gen)
}

// openCached opens the record sealed under key, or takes it from opened.
// The projection's reads use it too (the parent of every child token
// created is read to take its deadline): sealed may then come from a batch
// not yet committed, which is harmless, since an entry is only ever used
// for the very bytes it was opened from; such reads pass gen 0, so that
// Current never takes bytes that were not committed. gen is otherwise
// the store's generation read before sealed.
func openCached(b *ledger.Barrier, hash string, key, sealed []byte, gen uint64) (*tokenevent.Token, error) {
	if t, ok := opened.GetAt(b, key, sealed, gen, copyToken); ok {
		return t, nil
	}
	t, err := openRecord(b, hash, sealed)
	if err != nil {
		return nil, err
	}
	opened.PutAt(b, key, sealed, gen, copyToken(t))
	return t, nil
}

// Exists reports whether a live record is stored under hash, without
// opening it.
func Exists(s *projections.Store, hash string) (bool, error) {
	_, err := s.Get(idKey(hash))
	switch {
	case errors.Is(err, projections.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("tokenstore: exists: %w", err)
	}
	return true, nil
}

// opened keeps the records of tokens in use: every authenticated request
// reads its token, and opening the sealed record (AES-GCM and a JSON
// decode) was the larger part of that read. 4,096 tokens of about 1 KiB.
var opened = projections.Opened[*tokenevent.Token]{Max: 4096}

// copyToken copies what a caller of Get may modify (Policies, Meta, ...):
// cached records are shared.
func copyToken(t *tokenevent.Token) *tokenevent.Token {
	c := *t
	c.Policies = slices.Clone(t.Policies)
	c.BoundCIDRs = slices.Clone(t.BoundCIDRs)
	c.Meta = maps.Clone(t.Meta)
	c.InternalData = maps.Clone(t.InternalData)
	return &c
}

// Lookup returns the record of a raw token, or ErrNotFound.
func Lookup(s *projections.Store, b *ledger.Barrier, raw string) (*tokenevent.Token, error) {
	if b == nil {
		return nil, ErrSealed
	}
	return Get(s, b, Hash(b, raw))
}

// ByAccessor returns the record of the token with accessor, or
// ErrNotFound.
func ByAccessor(s *projections.Store, b *ledger.Barrier, accessor string) (*tokenevent.Token, error) {
	if b == nil {
		return nil, ErrSealed
	}
	hash, err := s.Get(accessorKey(b, accessor))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return Get(s, b, string(hash))
}

// Children returns the hashes listed under parent in the children index.
func Children(s *projections.Store, parent string) ([]string, error) {
	var out []string
	err := s.Scan(childPrefix(parent), func(k, _ []byte) bool {
		out = append(out, childOf(k))
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("tokenstore: children: %w", err)
	}
	return out, nil
}

// Each calls fn with every live record, in hash order, until fn returns
// false.
func Each(s *projections.Store, b *ledger.Barrier, fn func(*tokenevent.Token) bool) error {
	if b == nil {
		return ErrSealed
	}
	var openErr error
	err := s.Scan(prefixID, func(k, v []byte) bool {
		t, err := openRecord(b, string(k[len(prefixID):]), v)
		if err != nil {
			openErr = err
			return false
		}
		return fn(t)
	})
	if err != nil {
		return fmt.Errorf("tokenstore: scan: %w", err)
	}
	return openErr
}
