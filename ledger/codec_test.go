package ledger

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// A message sealed before compression holds the JSON body itself; one
// sealed after holds the codec byte and an S2 block. Both decode to the
// same events, and a damaged block is ErrCorrupt.
func TestBatchCodecs(t *testing.T) {
	events := []Event{NewEvent("test.coded", 1, map[string]any{"a": 1}), NewEvent("test.coded", 1, map[string]any{"a": 1})}
	plain, err := encodeBatch(events)
	require.NoError(t, err)
	require.Equal(t, byte('{'), plain[0], "the JSON codec is a body that starts with '{'")
	packed := compressBatch(plain)
	require.Equal(t, byte(codecS2), packed[0])
	require.Less(t, len(packed), len(plain), "repeated records compress")
	for _, body := range [][]byte{plain, packed} {
		got, err := decodeBatch(body)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, events[1].ID, got[1].ID)
		require.JSONEq(t, string(events[1].Data), string(got[1].Data))
	}
	damaged := bytes.Clone(packed)
	damaged[len(damaged)/2] ^= 0xff
	_, err = decodeBatch(damaged)
	require.ErrorIs(t, err, ErrCorrupt)
}

// What the writer stores is compressed and decodes through Store.Decode.
func TestWriterStoresCompressedBatches(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	payload := bytes.Repeat([]byte("x"), 4096)
	seq, err := tl.store.Writer().Append(t.Context(), NewEvent("test.big", 1, string(payload)))
	require.NoError(t, err)
	m, err := tl.store.Get(t.Context(), seq)
	require.NoError(t, err)
	require.Less(t, len(m.Data), 1024, "a 4 KB repetitive event is stored compressed")
	recs, err := tl.store.Decode(m)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "test.big", recs[0].Type)
}
