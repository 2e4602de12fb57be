package transparency

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// messageOf rebuilds the Message a block record is served as.
func messageOf(t *testing.T, r *blkRecord) Message {
	t.Helper()
	var hdr nats.Header
	if len(r.hdr) > 0 {
		var err error
		hdr, err = nats.DecodeHeadersMsg(r.hdr)
		require.NoError(t, err)
	}
	return Message{Seq: r.seq, Subject: r.subj, Header: hdr, Data: r.msg, Stored: time.Unix(0, r.ts)}
}

// editLeafStore applies fn to every leaf chunk record (nil drops it).
func editLeafStore(t *testing.T, dir string, fn func(c *leafChunk) bool) {
	t.Helper()
	b := readStreamBlocks(t, dir, StreamName)
	for _, r := range b.records() {
		if r.subj != SubjectLeaves {
			continue
		}
		c, err := unmarshalChunk(r.msg)
		require.NoError(t, err)
		if !fn(&c) {
			b.remove(t, r.seq)
			continue
		}
		r.msg = c.marshal()
	}
	b.write(t)
}

// Without a leaf store the signed roots vouch for, Verify brackets a change
// between two checkpoints and says so; it never names a wrong index.
func TestVerifyBracketsWhenTheLeafStoreCannotVouch(t *testing.T) {
	dir, rec := checkpointedLedger(t, 300) // checkpoints every 50 messages
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	const changed = 150

	cases := map[string]func(t *testing.T, dir string, tampered Message){
		"leaf store gone": func(t *testing.T, dir string, _ Message) {
			editLeafStore(t, dir, func(*leafChunk) bool { return false })
		},
		"leaf store rewritten to match the change": func(t *testing.T, dir string, tampered Message) {
			editLeafStore(t, dir, func(c *leafChunk) bool {
				if i := int64(changed - 1); i >= c.First && i < c.end() {
					c.Leaves[i-c.First] = MessageLeafHash(tampered)
				}
				return true
			})
		},
	}
	for name, tamperStore := range cases {
		t.Run(name, func(t *testing.T) {
			cp := copyDataDir(t, dir)
			b := readBlocks(t, cp)
			r := b.record(t, changed)
			r.msg[7] ^= 1
			b.write(t)
			tamperStore(t, cp, messageOf(t, r))

			rep, err := Verify(context.Background(), openOffline(t, cp), pub)
			require.NoError(t, err)
			require.False(t, rep.OK)
			got := rep.FirstBad
			require.NotNil(t, got)
			assert.Equal(t, KindChanged, got.Kind)
			assert.False(t, got.Exact)
			assert.LessOrEqual(t, got.Index, uint64(changed))
			assert.GreaterOrEqual(t, got.Through, uint64(changed))
			assert.Less(t, got.Through-got.Index, uint64(50), "bracketed between neighbouring checkpoints")
			assert.NotEmpty(t, rep.Warnings)
			t.Log(got.Detail, rep.Warnings)
		})
	}

	t.Run("only the leaf store altered", func(t *testing.T) {
		cp := copyDataDir(t, dir)
		editLeafStore(t, cp, func(c *leafChunk) bool {
			c.Leaves[0][0] ^= 1
			return true
		})
		o := openOffline(t, cp)
		rep, err := Verify(context.Background(), o, pub)
		require.NoError(t, err)
		assert.True(t, rep.OK, "the ledger itself is intact: %+v", rep.Problems)
		assert.NotEmpty(t, rep.Warnings)
		// Proofs fall back to hashing the messages.
		p, err := Prove(context.Background(), o, 10)
		require.NoError(t, err)
		require.NoError(t, CheckProof(p, pub))
	})
}

// A byte changed without fixing the record checksum is what a disk fault
// (or a careless attacker) leaves. Whatever the server then serves, Verify
// must not call the ledger intact.
func TestVerifyCatchesABrokenRecordChecksum(t *testing.T) {
	dir, rec := checkpointedLedger(t, 100)
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	cp := copyDataDir(t, dir)
	blk := filepath.Join(cp, "nats", "jetstream", "$G", "streams", "COFFER_LEDGER", "msgs", "1.blk")
	buf, err := os.ReadFile(blk)
	require.NoError(t, err)
	// Walk to record 60 and flip a byte of its payload.
	off := 0
	for seq := uint64(1); ; seq++ {
		rl := int(binary.LittleEndian.Uint32(buf[off:]) &^ blkHeaderBit)
		if seq == 60 {
			buf[off+rl-blkHashSize-3] ^= 1
			break
		}
		off += rl
	}
	require.NoError(t, os.WriteFile(blk, buf, 0o600))
	require.NoError(t, os.Remove(filepath.Join(filepath.Dir(blk), "index.db")))

	o, err := OpenOffline(cp)
	if err != nil {
		t.Logf("the server refuses the damaged store: %v", err)
		return
	}
	defer o.Close()
	rep, err := Verify(context.Background(), o, pub)
	if err != nil {
		t.Logf("the server cannot serve the damaged store: %v", err)
		return
	}
	require.False(t, rep.OK)
	require.NotNil(t, rep.FirstBad)
	assert.EqualValues(t, 60, rep.FirstBad.Index, "%s: %s", rep.FirstBad.Kind, rep.FirstBad.Detail)
	t.Logf("%s at %d: %s", rep.FirstBad.Kind, rep.FirstBad.Index, rep.FirstBad.Detail)
}
