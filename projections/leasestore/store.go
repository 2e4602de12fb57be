package leasestore

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
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
	prefixFolder  = []byte("lfold/")
)

// HMAC purposes of the names in keys: a lease id holds the mount path and
// the role it was issued for, a token accessor is a handle on a token, and
// neither may show in pebble (issue 10, item 10). Folders hash apart from
// ids so a folder's key never equals a lease's.
const (
	purposeID       = "lease-id"
	purposeFolder   = "lease-folder"
	purposeAccessor = "lease-token-accessor"
)

// hashLen is the length of a hex HMAC at the end of every index key.
const hashLen = 2 * 32

// idHash is the hex HMAC that stands for a lease id in every key.
func idHash(b *ledger.Barrier, id string) []byte {
	return hex.AppendEncode(nil, b.HMAC(purposeID, id))
}

func leaseKey(h []byte) []byte { return append(bytes.Clone(prefixLease), h...) }

func expiryKey(at time.Time, h []byte) []byte {
	k := bytes.Clone(prefixExpiry)
	k = binary.BigEndian.AppendUint64(k, uint64(at.UnixNano()))
	return append(k, h...)
}

func pendingKey(h []byte) []byte { return append(bytes.Clone(prefixPending), h...) }

func tokenPrefix(b *ledger.Barrier, accessor string) []byte {
	return projections.TxNameKey(b, bytes.Clone(prefixToken), purposeAccessor, accessor)
}

func folderPrefix(b *ledger.Barrier, folder string) []byte {
	return projections.TxNameKey(b, bytes.Clone(prefixFolder), purposeFolder, folder)
}

// folders are the folders a lease id sits under ("db/creds/r/x" is under
// "db/", "db/creds/" and "db/creds/r/"): a listing or a prefix revocation
// names one of them, and the folder index answers it without plaintext
// ids in keys.
func folders(id string) []string {
	var out []string
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			out = append(out, id[:i+1])
		}
	}
	return out
}

// hashOf is the lease hash at the end of an index key.
func hashOf(k []byte) []byte {
	if len(k) < hashLen {
		return nil
	}
	return k[len(k)-hashLen:]
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
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	h := idHash(b, rec.Aggregate)
	cur, err := load(tx, b, rec.Aggregate, leaseKey(h))
	if err != nil && !errors.Is(err, leaseevent.ErrNotFound) {
		return err
	}
	next, err := leaseevent.Apply(cur, rec.Type, rec.Data)
	if err != nil {
		return err
	}
	if cur != nil {
		if err := unindex(tx, b, h, cur); err != nil {
			return err
		}
	} else {
		// A lease's id never changes and its record is kept once it is
		// over, so its folder entries are written once.
		for _, f := range folders(next.ID) {
			if err := tx.Set(append(folderPrefix(b, f), h...), nil); err != nil {
				return err
			}
		}
	}
	if err := index(tx, b, h, next); err != nil {
		return err
	}
	s := stored{State: *next}
	if len(next.RevokeData) > 0 {
		s.Sealed = b.Seal(sealAAD(next.ID), next.RevokeData)
		s.RevokeData = nil
	}
	// The whole record is sealed too (id, path, token accessor, TTLs),
	// and the revoke data a second time under its own AAD.
	return projections.PutJSON(tx, leaseKey(h), s)
}

func index(tx *projections.Tx, b *ledger.Barrier, h []byte, s *leaseevent.State) error {
	switch s.State {
	case leaseevent.StateActive:
		if err := tx.Set(expiryKey(s.ExpireAt, h), nil); err != nil {
			return err
		}
	case leaseevent.StatePending, leaseevent.StateExpired, leaseevent.StateRevoking:
		if err := tx.Set(pendingKey(h), nil); err != nil {
			return err
		}
	}
	if s.Live() && s.TokenAccessor != "" {
		return tx.Set(append(tokenPrefix(b, s.TokenAccessor), h...), nil)
	}
	return nil
}

func unindex(tx *projections.Tx, b *ledger.Barrier, h []byte, s *leaseevent.State) error {
	if err := tx.Delete(expiryKey(s.ExpireAt, h)); err != nil {
		return err
	}
	if err := tx.Delete(pendingKey(h)); err != nil {
		return err
	}
	if s.TokenAccessor != "" {
		return tx.Delete(append(tokenPrefix(b, s.TokenAccessor), h...))
	}
	return nil
}

// load opens the record at key (the lease id's, or found through an
// index); id, when known, is checked against the record's.
func load(r projections.SealedReader, b *ledger.Barrier, id string, key []byte) (*leaseevent.State, error) {
	var s stored
	found, err := projections.GetJSON(r, key, &s)
	if err != nil {
		return nil, fmt.Errorf("leasestore: %w", err)
	}
	if !found {
		return nil, leaseevent.ErrNotFound
	}
	if id != "" && s.ID != id {
		return nil, fmt.Errorf("leasestore: %w: record of another lease", projections.ErrCorrupt)
	}
	if len(s.Sealed) > 0 {
		if s.RevokeData, err = b.Open(sealAAD(s.ID), s.Sealed); err != nil {
			return nil, fmt.Errorf("leasestore: open revoke data: %w", err)
		}
	}
	st := s.State
	return &st, nil
}

// idAt opens only the id of the record whose hash ends an index key.
func idAt(s *projections.Store, k []byte) (string, error) {
	var rec struct {
		ID string `json:"id"`
	}
	found, err := projections.GetJSON(s, leaseKey(hashOf(k)), &rec)
	if err != nil {
		return "", fmt.Errorf("leasestore: %w", err)
	}
	if !found {
		return "", fmt.Errorf("leasestore: %w: index entry without its lease", projections.ErrCorrupt)
	}
	return rec.ID, nil
}

// Get returns a lease with its version, or leaseevent.ErrNotFound.
func Get(s *projections.Store, b *ledger.Barrier, id string) (*leaseevent.State, error) {
	if b == nil {
		return nil, ledger.ErrSealed
	}
	st, err := load(s, b, id, leaseKey(idHash(b, id)))
	if err != nil {
		return nil, err
	}
	if st.Version, err = s.AggregateVersion(leaseevent.Kind, id); err != nil {
		return nil, err
	}
	return st, nil
}

// eachID calls fn with every index key under prefix and the id of the
// lease it names (keys end with the lease's hash; the id is only in its
// sealed record), until fn returns false.
func eachID(s *projections.Store, prefix []byte, fn func(k []byte, id string) bool) error {
	var openErr error
	err := s.Scan(prefix, func(k, _ []byte) bool {
		var id string
		if id, openErr = idAt(s, k); openErr != nil {
			return false
		}
		return fn(k, id)
	})
	if err == nil {
		err = openErr
	}
	return err
}

// collect is eachID gathering every id.
func collect(s *projections.Store, prefix []byte) ([]string, error) {
	var out []string
	err := eachID(s, prefix, func(_ []byte, id string) bool {
		out = append(out, id)
		return true
	})
	return out, err
}

// DueBefore returns up to limit ids of active leases expiring at or before
// now, earliest first. It reads only the front of the expiry index.
func DueBefore(s *projections.Store, now time.Time, limit int) ([]string, error) {
	var due []string
	cut := uint64(now.UnixNano())
	err := s.Scan(prefixExpiry, func(k, _ []byte) bool {
		rest := k[len(prefixExpiry):]
		if len(rest) < 8 || binary.BigEndian.Uint64(rest[:8]) > cut {
			return false
		}
		due = append(due, string(hashOf(k)))
		return len(due) < limit
	})
	if err != nil {
		return nil, err
	}
	// The ids are opened once the scan is over: a lease's record is read
	// only when it is due.
	for i, h := range due {
		if due[i], err = idAt(s, []byte(h)); err != nil {
			return nil, err
		}
	}
	return due, nil
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
	return eachID(s, prefixPending, func(_ []byte, id string) bool { return fn(id) })
}

// ByToken returns the live leases a token created.
func ByToken(s *projections.Store, b *ledger.Barrier, accessor string) ([]string, error) {
	if b == nil {
		return nil, ledger.ErrSealed
	}
	return collect(s, tokenPrefix(b, accessor))
}

// WithPrefix calls fn for every lease under prefix, in id order, as
// Vault's prefix revocation takes it: a prefix that does not end in '/'
// is a lease id if there is one, else the folder prefix + "/"; an empty
// prefix is every lease.
func WithPrefix(s *projections.Store, b *ledger.Barrier, prefix string, fn func(id string) bool) error {
	if b == nil {
		return ledger.ErrSealed
	}
	var found []string
	var err error
	switch {
	case prefix == "":
		found, err = collect(s, prefixLease)
	default:
		if !strings.HasSuffix(prefix, "/") {
			if _, err := load(s, b, prefix, leaseKey(idHash(b, prefix))); err == nil {
				fn(prefix)
				return nil
			} else if !errors.Is(err, leaseevent.ErrNotFound) {
				return err
			}
			prefix += "/"
		}
		found, err = collect(s, folderPrefix(b, prefix))
	}
	if err != nil {
		return err
	}
	slices.Sort(found)
	for _, id := range found {
		if !fn(id) {
			break
		}
	}
	return nil
}

// ListKeys returns the next path segments under prefix, as Vault's
// sys/leases/lookup LIST does ("role/" for folders, ids for leases), for
// live leases only, sorted.
func ListKeys(s *projections.Store, b *ledger.Barrier, prefix string) ([]string, error) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	seen := map[string]bool{}
	var keys []string
	var scanErr error
	err := WithPrefix(s, b, prefix, func(id string) bool {
		st, err := load(s, b, id, leaseKey(idHash(b, id)))
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
