package projections

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"
)

// TestOldFormatIsRebuilt: a store written before Format 2 (plaintext
// values, no format key) opens empty, so the projector rebuilds it from
// the ledger in the sealed layout; a current store keeps its contents.
func TestOldFormatIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	require.NoError(t, err)
	require.NoError(t, db.Set(keyAppliedSeq, u64(42), pebble.Sync))
	require.NoError(t, db.Set([]byte("policy/admin"), []byte(`{"text":"path \"x\" {}"}`), pebble.Sync))
	require.NoError(t, db.Close())

	s, err := Open(dir)
	require.NoError(t, err)
	require.Zero(t, s.AppliedSeq(), "an old store is replayed from sequence 1")
	_, err = s.Get([]byte("policy/admin"))
	require.ErrorIs(t, err, ErrNotFound, "the plaintext value is gone")
	require.NoError(t, s.db.Set(keyAppliedSeq, u64(7), pebble.Sync))
	require.NoError(t, s.Close())

	s, err = Open(dir)
	require.NoError(t, err)
	require.EqualValues(t, 7, s.AppliedSeq(), "a current store is kept")
	require.NoError(t, s.Close())
}

// TestPreviousFormatIsRebuilt: a store of the previous layout (format key
// Format-1, with lease ids and accessors in plaintext keys) opens empty
// too.
func TestPreviousFormatIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	require.NoError(t, err)
	require.NoError(t, db.Set(keyFormat, u64(Format-1), pebble.Sync))
	require.NoError(t, db.Set(keyAppliedSeq, u64(42), pebble.Sync))
	require.NoError(t, db.Set([]byte("ltok/acc-1/database/creds/readonly/x1"), []byte("sealed"), pebble.Sync))
	require.NoError(t, db.Close())

	s, err := Open(dir)
	require.NoError(t, err)
	require.Zero(t, s.AppliedSeq(), "the previous layout is replayed from sequence 1")
	_, err = s.Get([]byte("ltok/acc-1/database/creds/readonly/x1"))
	require.ErrorIs(t, err, ErrNotFound, "the plaintext lease id is gone")
	require.NoError(t, s.Close())
}
