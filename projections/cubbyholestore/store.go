package cubbyholestore

import (
	"bytes"
	"errors"

	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Prefix is the read model's pebble prefix.
const Prefix = "cub/"

var (
	// ErrNotFound reports a missing cubbyhole or entry.
	ErrNotFound = errors.New("cubbyholestore: not found")
	// ErrCorruptRecord reports a payload that does not decode.
	ErrCorruptRecord = errors.New("cubbyholestore: corrupt record")
)

func cubbyPrefix(token string) []byte { return []byte(Prefix + token + "\x00") }
func metaKey(token string) []byte     { return append(cubbyPrefix(token), 'm') }
func entriesPrefix(token string) []byte {
	return append(cubbyPrefix(token), 'e')
}
func entryKey(token, entry string) []byte { return append(entriesPrefix(token), entry...) }

// Register installs the apply functions. The aggregate id of every event
// is the owning token's hash.
func Register(p *projections.Projector) {
	p.Handle(cubbyholeevent.EventWritten, func(tx *projections.Tx, rec ledger.Record) error {
		return projections.Decoded(ErrCorruptRecord, func(tx *projections.Tx, e *cubbyholeevent.Written) error {
			if err := tx.Set(metaKey(rec.Aggregate), []byte(e.KeyID)); err != nil {
				return err
			}
			return tx.Set(entryKey(rec.Aggregate, e.Entry), e.Sealed)
		})(tx, rec)
	})
	p.Handle(cubbyholeevent.EventDeleted, func(tx *projections.Tx, rec ledger.Record) error {
		return projections.Decoded(ErrCorruptRecord, func(tx *projections.Tx, e *cubbyholeevent.Deleted) error {
			return tx.Delete(entryKey(rec.Aggregate, e.Entry))
		})(tx, rec)
	})
	p.Handle(cubbyholeevent.EventErased, func(tx *projections.Tx, rec ledger.Record) error {
		return tx.DeletePrefix(cubbyPrefix(rec.Aggregate))
	})
}

// State is what a decision about one cubbyhole needs.
type State struct {
	Version uint64
	// KeyID is the cubbyhole's data key; empty when it has none yet.
	KeyID string
}

// Load returns the cubbyhole's state (zero for one never written).
func Load(s *projections.Store, token string) (State, error) {
	v, err := s.AggregateVersion(cubbyholeevent.Kind, token)
	if err != nil {
		return State{}, err
	}
	st := State{Version: v}
	raw, err := s.Get(metaKey(token))
	if err != nil && !errors.Is(err, projections.ErrNotFound) {
		return st, err
	}
	st.KeyID = string(raw)
	return st, nil
}

// Entry returns an entry's sealed value, or ErrNotFound.
func Entry(s *projections.Store, token, entry string) ([]byte, error) {
	raw, err := s.Get(entryKey(token, entry))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, ErrNotFound
	}
	return raw, err
}

// Entries calls fn with every entry of the cubbyhole and its sealed value.
func Entries(s *projections.Store, token string, fn func(entry string, sealed []byte) bool) error {
	p := entriesPrefix(token)
	return s.Scan(p, func(k, v []byte) bool { return fn(string(k[len(p):]), v) })
}

// Cubbyholes calls fn with the token hash and data key of every cubbyhole
// (the sweeper erases those whose token is gone).
func Cubbyholes(s *projections.Store, fn func(token, keyID string) bool) error {
	return s.Scan([]byte(Prefix), func(k, v []byte) bool {
		rest := k[len(Prefix):]
		i := bytes.IndexByte(rest, 0)
		if i < 0 || !bytes.Equal(rest[i+1:], []byte{'m'}) {
			return true
		}
		return fn(string(rest[:i]), string(v))
	})
}
