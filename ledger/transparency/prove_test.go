package transparency

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cofferhq/coffer/ledger"
)

func TestProveAndCheckRoundTrip(t *testing.T) {
	dir, rec := checkpointedLedger(t, 150)
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	o := openOffline(t, dir)
	ctx := context.Background()

	for _, index := range []uint64{1, 2, 3, 64, 100, 151, 152} {
		p, err := Prove(ctx, o, index)
		require.NoError(t, err, "index %d", index)
		require.NoError(t, CheckProof(p, pub), "index %d", index)
		assert.EqualValues(t, 152, p.TreeSize)
		m, err := o.Get(ctx, ledger.StreamName, index)
		require.NoError(t, err)
		assert.True(t, p.Matches(m), "the proof is about the stored message")

		// What an outside party receives is JSON; it must survive the trip.
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		var back Proof
		require.NoError(t, json.Unmarshal(raw, &back))
		require.NoError(t, CheckProof(back, pub))
		assert.NotContains(t, string(raw), string(m.Data[:16]), "no message data in a proof")
	}

	p, err := Prove(ctx, o, 100)
	require.NoError(t, err)
	other, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	require.ErrorIs(t, CheckProof(p, other), ErrBadSignature)

	tampered := map[string]func(p *Proof){
		"index":        func(p *Proof) { p.Index++ },
		"leaf index":   func(p *Proof) { p.LeafIndex++ },
		"content hash": func(p *Proof) { p.ContentHash[0] ^= 1 },
		"leaf hash":    func(p *Proof) { p.LeafHash[0] ^= 1 },
		"root":         func(p *Proof) { p.RootHash[0] ^= 1 },
		"tree size":    func(p *Proof) { p.TreeSize-- },
		"path":         func(p *Proof) { p.Hashes[0][0] ^= 1 },
		"short path":   func(p *Proof) { p.Hashes = p.Hashes[1:] },
	}
	for name, change := range tampered {
		q := p
		q.Hashes = append([]tlog.Hash(nil), p.Hashes...)
		change(&q)
		require.Error(t, CheckProof(q, pub), name)
	}

	_, err = Prove(ctx, o, 0)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = Prove(ctx, o, 9999)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestProveRefusesAChangedMessage(t *testing.T) {
	dir, _ := checkpointedLedger(t, 80)
	cp := copyDataDir(t, dir)
	b := readBlocks(t, cp)
	b.record(t, 40).msg[5] ^= 1
	b.write(t)
	_, err := Prove(context.Background(), openOffline(t, cp), 40)
	require.ErrorIs(t, err, ErrBadProof)
}

func TestProveUncoveredIndex(t *testing.T) {
	n := startNode(t, t.TempDir())
	rc := startCheckpointer(t, n, Options{Every: 1000, Interval: 10 * time.Millisecond})
	n.appendMessages(t, 10)
	rc.waitCovered(t, n)
	require.NoError(t, rc.halt(t))
	last := n.appendMessages(t, 1)
	_, err := Prove(context.Background(), NewSource(n.st.JetStream()), last)
	require.ErrorIs(t, err, ErrNoCheckpoint)
}

func TestReportAndProofSurviveAVaultDataMap(t *testing.T) {
	dir, rec := checkpointedLedger(t, 20)
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	o := openOffline(t, dir)
	rep, err := Verify(context.Background(), o, pub)
	require.NoError(t, err)
	back, err := ReportFromData(rep.Data())
	require.NoError(t, err)
	assert.Equal(t, rep.OK, back.OK)
	assert.Equal(t, rep.Messages, back.Messages)
	assert.Equal(t, rep.Latest.Root, back.Latest.Root)

	p, err := Prove(context.Background(), o, 7)
	require.NoError(t, err)
	q, err := ProofFromData(p.Data())
	require.NoError(t, err)
	require.NoError(t, CheckProof(q, pub))
}
