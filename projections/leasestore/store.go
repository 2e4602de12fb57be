package leasestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

var (
	prefixLease   = []byte("lease/")
	prefixExpiry  = []byte("lexp/")
	prefixPending = []byte("lpend/")
	prefixToken   = []byte("ltok/")
)

func leaseKey(id string) []byte { return append(bytes.Clone(prefixLease), id...) }

func expiryKey(at time.Time, id string) []byte {
	k := bytes.Clone(prefixExpiry)
	k = binary.BigEndian.AppendUint64(k, uint64(at.UnixNano()))
	return append(k, id...)
}

func pendingKey(id string) []byte { return append(bytes.Clone(prefixPending), id...) }

func tokenKey(accessor, id string) []byte {
	return append(append(append(bytes.Clone(prefixToken), accessor...), '/'), id...)
}

func sealAAD(id string) []byte { return []byte("lease\x00" + id) }

// Register installs the lease apply functions.
func Register(p *projections.Projector) {
	for _, typ := range []string{leaseevent.EventPending, leaseevent.EventIssued, leaseevent.EventRenewed, leaseevent.EventExpired,
		leaseevent.EventRevocationFailed, leaseevent.EventRevoked, leaseevent.EventForgotten} {
		p.Handle(typ, apply)
	}
}

type stored struct {
	leaseevent.State
	Sealed []byte `json:"sealed_revoke,omitempty"`
}

func apply(tx *projections.Tx, rec ledger.Record) error {
	cur, err := load(tx, tx.Barrier(), rec.Aggregate)
	if err != nil && !errors.Is(err, leaseevent.ErrNotFound) {
		return err
	}
	next, err := leaseevent.Apply(cur, rec.Type, rec.Data)
	if err != nil {
		return err
	}
	if cur != nil {
		if err := unindex(tx, cur); err != nil {
			return err
		}
	}
	if err := index(tx, next); err != nil {
		return err
	}
	s := stored{State: *next}
	if len(next.RevokeData) > 0 {
		s.Sealed = tx.Barrier().Seal(sealAAD(next.ID), next.RevokeData)
		s.RevokeData = nil
	}
	// The whole record is sealed too (path, token accessor, TTLs), and
	// the revoke data a second time under its own AAD.
	return projections.PutJSON(tx, leaseKey(next.ID), s)
}

func index(tx *projections.Tx, s *leaseevent.State) error {
	switch s.State {
	case leaseevent.StateActive:
		if err := tx.Set(expiryKey(s.ExpireAt, s.ID), nil); err != nil {
			return err
		}
	case leaseevent.StatePending, leaseevent.StateExpired, leaseevent.StateRevoking:
		if err := tx.Set(pendingKey(s.ID), nil); err != nil {
			return err
		}
	}
	if s.Live() && s.TokenAccessor != "" {
		return tx.Set(tokenKey(s.TokenAccessor, s.ID), nil)
	}
	return nil
}

func unindex(tx *projections.Tx, s *leaseevent.State) error {
	if err := tx.Delete(expiryKey(s.ExpireAt, s.ID)); err != nil {
		return err
	}
	if err := tx.Delete(pendingKey(s.ID)); err != nil {
		return err
	}
	if s.TokenAccessor != "" {
		return tx.Delete(tokenKey(s.TokenAccessor, s.ID))
	}
	return nil
}

func load(r projections.SealedReader, b *ledger.Barrier, id string) (*leaseevent.State, error) {
	var s stored
	found, err := projections.GetJSON(r, leaseKey(id), &s)
	if err != nil {
		return nil, fmt.Errorf("leasestore: %w", err)
	}
	if !found {
		return nil, leaseevent.ErrNotFound
	}
	if len(s.Sealed) > 0 {
		if s.RevokeData, err = b.Open(sealAAD(id), s.Sealed); err != nil {
			return nil, fmt.Errorf("leasestore: open revoke data: %w", err)
		}
	}
	st := s.State
	return &st, nil
}

// Get returns a lease with its version, or leaseevent.ErrNotFound.
func Get(s *projections.Store, b *ledger.Barrier, id string) (*leaseevent.State, error) {
	st, err := load(s, b, id)
	if err != nil {
		return nil, err
	}
	if st.Version, err = s.AggregateVersion(leaseevent.Kind, id); err != nil {
		return nil, err
	}
	return st, nil
}

// DueBefore returns up to limit ids of active leases expiring at or before
// now, earliest first. It reads only the front of the expiry index.
func DueBefore(s *projections.Store, now time.Time, limit int) ([]string, error) {
	var ids []string
	cut := uint64(now.UnixNano())
	err := s.Scan(prefixExpiry, func(k, _ []byte) bool {
		rest := k[len(prefixExpiry):]
		if len(rest) < 8 || binary.BigEndian.Uint64(rest[:8]) > cut {
			return false
		}
		ids = append(ids, string(rest[8:]))
		return len(ids) < limit
	})
	return ids, err
}

// NextExpiry returns the earliest expiry in the index (zero if none).
func NextExpiry(s *projections.Store) (time.Time, error) {
	var at time.Time
	err := s.Scan(prefixExpiry, func(k, _ []byte) bool {
		rest := k[len(prefixExpiry):]
		if len(rest) >= 8 {
			at = time.Unix(0, int64(binary.BigEndian.Uint64(rest[:8])))
		}
		return false
	})
	return at, err
}

// Pending calls fn for each lease that still needs a revocation (or a
// pending issue to roll back), until fn returns false.
func Pending(s *projections.Store, fn func(id string) bool) error {
	return s.Scan(prefixPending, func(k, _ []byte) bool { return fn(string(k[len(prefixPending):])) })
}

// ByToken returns the live leases a token created.
func ByToken(s *projections.Store, accessor string) ([]string, error) {
	p := append(append(bytes.Clone(prefixToken), accessor...), '/')
	var ids []string
	err := s.Scan(p, func(k, _ []byte) bool {
		ids = append(ids, string(k[len(p):]))
		return true
	})
	return ids, err
}

// WithPrefix calls fn for every lease whose id starts with prefix.
func WithPrefix(s *projections.Store, prefix string, fn func(id string) bool) error {
	return s.Scan(append(bytes.Clone(prefixLease), prefix...), func(k, _ []byte) bool {
		return fn(string(k[len(prefixLease):]))
	})
}

// ListKeys returns the next path segments under prefix, as Vault's
// sys/leases/lookup LIST does ("role/" for folders, ids for leases), for
// live leases only.
func ListKeys(s *projections.Store, b *ledger.Barrier, prefix string) ([]string, error) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	seen := map[string]bool{}
	var keys []string
	var scanErr error
	err := WithPrefix(s, prefix, func(id string) bool {
		st, err := load(s, b, id)
		if err != nil {
			scanErr = err
			return false
		}
		if !st.Live() {
			return true
		}
		rest := strings.TrimPrefix(id, prefix)
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i+1]
		}
		if !seen[rest] {
			seen[rest] = true
			keys = append(keys, rest)
		}
		return true
	})
	if err == nil {
		err = scanErr
	}
	return keys, err
}
