package pkistore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// getter is what both the store and an apply transaction read from.
type getter interface {
	Get(key []byte) ([]byte, error)
}

func openJSON(g getter, b *ledger.Barrier, key []byte, v any) (bool, error) {
	sealed, err := g.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	raw, err := b.Open(key, sealed)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return true, nil
}

func loadMount(g getter, b *ledger.Barrier, mount string) (*pkievent.Mount, error) {
	m := &pkievent.Mount{}
	if _, err := openJSON(g, b, mountKey(mount), m); err != nil {
		return nil, err
	}
	return m.Clone(), nil
}

func loadCert(g getter, b *ledger.Barrier, mount, serial string) (*pkievent.Cert, error) {
	var c pkievent.Cert
	ok, err := openJSON(g, b, certKey(mount, serial), &c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return &c, nil
}

// Reader answers queries on the PKI read model.
type Reader struct {
	Store  *projections.Store
	Ledger *ledger.Store
}

func (r Reader) barrier() (*ledger.Barrier, error) {
	return r.Ledger.UnsealedBarrier()
}

// Mount returns the mount aggregate (empty when nothing was recorded).
func (r Reader) Mount(mount string) (*pkievent.Mount, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	return loadMount(r.Store, b, mount)
}

// SealedKey returns a key's sealed private key, or ErrNotFound.
func (r Reader) SealedKey(mount, keyID string) ([]byte, error) {
	v, err := r.Store.Get(privateKey(mount, keyID))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, ErrNotFound
	}
	return v, err
}

// Role returns a role's JSON (policy.Role), or ErrNotFound.
func (r Reader) Role(mount, name string) (json.RawMessage, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	var rec roleRecord
	ok, err := openJSON(r.Store, b, roleKey(b, mount, name), &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return rec.Role, nil
}

// Roles returns the names of the mount's roles, sorted (their keys are
// HMACs: the names are in the sealed records).
func (r Reader) Roles(mount string) ([]string, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	var out []string
	err = scanSealed(r.Store, b, kindPrefix(mount, kindRole), func(rec *roleRecord) bool {
		out = append(out, rec.Name)
		return true
	})
	sort.Strings(out)
	return out, err
}

// Serials returns the serials of the mount's stored certificates, sorted.
func (r Reader) Serials(mount string) ([]string, error) {
	return r.names(kindPrefix(mount, kindCert))
}

func (r Reader) names(prefix []byte) ([]string, error) {
	var out []string
	err := r.Store.Scan(prefix, func(key, _ []byte) bool {
		out = append(out, string(key[len(prefix):]))
		return true
	})
	sort.Strings(out)
	return out, err
}

// Cert returns a certificate's record, or ErrNotFound.
func (r Reader) Cert(mount, serial string) (*pkievent.Cert, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	return loadCert(r.Store, b, mount, serial)
}

// Certs calls fn with every stored certificate record until it returns
// false.
func (r Reader) Certs(mount string, fn func(*pkievent.Cert) bool) error {
	b, err := r.barrier()
	if err != nil {
		return err
	}
	return scanSealed(r.Store, b, kindPrefix(mount, kindCert), fn)
}

// scanSealed opens every record under prefix into a fresh T and calls fn
// with it, in key order, until fn returns false.
func scanSealed[T any](s *projections.Store, b *ledger.Barrier, prefix []byte, fn func(*T) bool) error {
	var bad error
	err := s.Scan(prefix, func(key, sealed []byte) bool {
		raw, err := b.Open(key, sealed)
		var v T
		if err == nil {
			err = json.Unmarshal(raw, &v)
		}
		if err != nil {
			bad = fmt.Errorf("%w: %v", ErrCorruptRecord, err)
			return false
		}
		return fn(&v)
	})
	if err != nil {
		return err
	}
	return bad
}

// Revoked is one revocation entry.
type Revoked struct {
	Serial    string
	RevokedAt time.Time
}

// RevokedBy returns the revocation entries of an issuer, ordered by
// serial.
func (r Reader) RevokedBy(mount, issuerID string) ([]Revoked, error) {
	prefix := revokedPrefix(mount, issuerID)
	var out []Revoked
	var bad error
	err := r.Store.Scan(prefix, func(key, value []byte) bool {
		if len(value) != 8 {
			bad = fmt.Errorf("%w: revocation entry", ErrCorruptRecord)
			return false
		}
		out = append(out, Revoked{Serial: string(key[len(prefix):]), RevokedAt: time.Unix(0, int64(binary.BigEndian.Uint64(value))).UTC()})
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, bad
}
