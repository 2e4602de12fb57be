package projections

import (
	"encoding/binary"

	"github.com/cofferhq/coffer/ledger"
)

// MaxUnsaved is maxUnsaved, for the tests.
const MaxUnsaved = maxUnsaved

// ApplyMessage applies one stored message as Run does.
func (p *Projector) ApplyMessage(m ledger.Message) error { return p.applyMessage(m) }

// StoredAppliedSeq reads applied_seq as pebble holds it (what a restart
// resumes from), not the in-memory one.
func (s *Store) StoredAppliedSeq() (uint64, error) {
	v, err := get(s.db, keyAppliedSeq)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(v), nil
}
