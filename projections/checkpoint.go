package projections

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Checkpoint writes a consistent copy of every read model into dir (which
// must not exist) and returns the applied index it reflects. Pebble's
// checkpoint hard-links the immutable tables and copies the rest, with the
// write-ahead log flushed, so the copy holds exactly the batches committed
// before it began: applied_seq and the read models it covers are in one
// batch, so the copy is consistent at its own applied_seq.
func (s *Store) Checkpoint(dir string) (uint64, error) {
	if err := s.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return 0, fmt.Errorf("projections: checkpoint: %w", err)
	}
	return ReadAppliedSeq(dir)
}

// ReadAppliedSeq opens the pebble store in dir read-only and returns its
// applied index (0 for a store that applied nothing).
func ReadAppliedSeq(dir string) (uint64, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}, ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("projections: open %s read-only: %w", dir, err)
	}
	defer db.Close()
	v, closer, err := db.Get(keyAppliedSeq)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("projections: read applied_seq: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: applied_seq is %d bytes", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
