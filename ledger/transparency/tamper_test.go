package transparency

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tamper cases of issue 6: each edits a copy of a checkpointed data
// dir's file store (with valid record checksums, as a deliberate attacker
// would) and asserts Verify names the exact index.
func TestVerifyNamesTheTamperedIndex(t *testing.T) {
	const messages = 300 // + seal and keyring records: sequences 1..302
	dir, rec := checkpointedLedger(t, messages)
	pub, err := rec.PublicKey()
	require.NoError(t, err)

	swap := func(a, b *blkRecord) {
		a.ts, b.ts = b.ts, a.ts
		a.subj, b.subj = b.subj, a.subj
		a.hdr, b.hdr = b.hdr, a.hdr
		a.msg, b.msg = b.msg, a.msg
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, b *streamBlocks)
		want   Problem
	}{
		{"one ciphertext byte", func(t *testing.T, b *streamBlocks) {
			b.record(t, 150).msg[10] ^= 0x01
		}, Problem{Kind: KindChanged, Index: 150, Exact: true}},
		{"stored time", func(t *testing.T, b *streamBlocks) {
			b.record(t, 150).ts++
		}, Problem{Kind: KindChanged, Index: 150, Exact: true}},
		{"message id header", func(t *testing.T, b *streamBlocks) {
			r := b.record(t, 151)
			r.hdr[len(r.hdr)-5] ^= 0x01
		}, Problem{Kind: KindChanged, Index: 151, Exact: true}},
		{"first record (the wrapped root key)", func(t *testing.T, b *streamBlocks) {
			b.record(t, 1).msg[0] ^= 0x80
		}, Problem{Kind: KindChanged, Index: 1, Exact: true}},
		{"last record", func(t *testing.T, b *streamBlocks) {
			b.record(t, messages+2).msg[20] ^= 0x01
		}, Problem{Kind: KindChanged, Index: messages + 2, Exact: true}},
		{"dropped: a sequence gap", func(t *testing.T, b *streamBlocks) {
			b.remove(t, 77)
		}, Problem{Kind: KindDropped, Index: 77, Exact: true}},
		{"dropped: the tail", func(t *testing.T, b *streamBlocks) {
			for seq := uint64(251); seq <= messages+2; seq++ {
				b.remove(t, seq)
			}
		}, Problem{Kind: KindDropped, Index: 251, Exact: true}},
		{"dropped and later messages renumbered", func(t *testing.T, b *streamBlocks) {
			b.remove(t, 77)
			for _, r := range b.records() {
				if r.seq > 77 {
					r.seq--
				}
			}
		}, Problem{Kind: KindDropped, Index: 77, Exact: true}},
		{"two messages swapped", func(t *testing.T, b *streamBlocks) {
			swap(b.record(t, 100), b.record(t, 200))
		}, Problem{Kind: KindReordered, Index: 100, With: 200, Exact: true}},
		{"neighbours swapped", func(t *testing.T, b *streamBlocks) {
			swap(b.record(t, 42), b.record(t, 43))
		}, Problem{Kind: KindReordered, Index: 42, With: 43, Exact: true}},
		{"two changes: the first is named", func(t *testing.T, b *streamBlocks) {
			b.record(t, 260).msg[3] ^= 0x01
			b.record(t, 90).msg[3] ^= 0x01
		}, Problem{Kind: KindChanged, Index: 90, Exact: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cp := copyDataDir(t, dir)
			b := readBlocks(t, cp)
			tc.tamper(t, b)
			b.write(t)
			rep, err := Verify(context.Background(), openOffline(t, cp), pub)
			require.NoError(t, err)
			require.False(t, rep.OK)
			require.NotNil(t, rep.FirstBad, "%+v", rep)
			got := *rep.FirstBad
			assert.Equal(t, tc.want.Kind, got.Kind, got.Detail)
			assert.Equal(t, tc.want.Index, got.Index, got.Detail)
			assert.Equal(t, tc.want.Exact, got.Exact, got.Detail)
			assert.Equal(t, tc.want.With, got.With, got.Detail)
			t.Logf("%s: %s", got.Kind, got.Detail)
		})
	}
	t.Run("wrong public key", func(t *testing.T) {
		other, _, err := ed25519.GenerateKey(nil)
		require.NoError(t, err)
		rep, err := Verify(context.Background(), openOffline(t, dir), other)
		require.NoError(t, err)
		require.False(t, rep.OK)
		assert.Zero(t, rep.Checkpoints)
		require.NotNil(t, rep.FirstBad)
		assert.Equal(t, KindUnverified, rep.FirstBad.Kind)
		assert.Contains(t, rep.FirstBad.Detail, "wrong public key")
		assert.Len(t, rep.Problems, 1, "one finding, not one per checkpoint")
	})
}
