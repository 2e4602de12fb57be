package ledger

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// Concurrent creations share blocks, and every key reads back the same
// after the in-memory cache is gone (as after a restart).
func TestDataKeysAreCreatedInBlocks(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	dk := tl.store.DataKeys()
	const n = 300
	ids := make([]string, n)
	keys := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, key, err := dk.Create(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], keys[i] = id, key
		})
	}
	wg.Wait()
	st := dk.Stats()
	require.EqualValues(t, n, st.Handed)
	require.Less(t, st.Blocks, uint64(n/10), "keys are stored many to a message")
	seen := map[string]bool{}
	for i := range n {
		require.False(t, seen[ids[i]], "ids are unique")
		seen[ids[i]] = true
	}
	dk.cache.Clear()
	for i := range n {
		got, err := dk.Get(ctx, ids[i])
		require.NoError(t, err)
		require.Equal(t, keys[i], got)
	}
}

// Erasing keys rewrites each block once without them and overwrites the
// old version: the erased keys are gone for good, the others stay, and
// the block version that held the erased keys is no longer anywhere in
// the data dir.
func TestDataKeysErasedInGroupsLeaveNoTrace(t *testing.T) {
	dir := t.TempDir()
	tl := startLedger(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dk := tl.store.DataKeys()
	var ids []string
	for range 40 {
		id, _, err := dk.Create(ctx)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	erased, kept := ids[:25], ids[25:]
	// The stored bytes of every block version that holds an erased key.
	var oldVersions [][]byte
	blocks := map[string]bool{}
	for _, id := range erased {
		ref, err := parseDataKeyID(id)
		require.NoError(t, err)
		if blocks[ref.block] {
			continue
		}
		blocks[ref.block] = true
		m, err := dk.stream.GetLastMsgForSubject(ctx, blockSubject(ref.block))
		require.NoError(t, err)
		oldVersions = append(oldVersions, m.Data)
	}
	require.NoError(t, dk.Destroy(ctx, erased[0]))
	require.NoError(t, dk.DestroyLater(ctx, erased[1:10]...))
	require.NoError(t, dk.DestroyLater(ctx, erased[10:]...))
	before := dk.Stats()
	go func() { _ = dk.RunEraser(ctx, slog.Default()) }()
	waitFor(t, 10*time.Second, "queued keys erased", func() bool {
		_, err := dk.Get(ctx, erased[len(erased)-1])
		return err != nil
	})
	cancel()
	after := dk.Stats()
	require.LessOrEqual(t, after.Rewrites-before.Rewrites, uint64(2*len(blocks)), "one rewrite per block and job batch, not per key")
	dk.cache.Clear()
	for _, id := range erased {
		_, err := dk.Get(context.Background(), id)
		require.ErrorIs(t, err, ErrDataKeyDestroyed)
	}
	for _, id := range kept {
		_, err := dk.Get(context.Background(), id)
		require.NoError(t, err)
	}
	tl.stop()
	scanned := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		for i, v := range oldVersions {
			// The sealed body's tail: the ciphertext of the keys.
			require.False(t, bytes.Contains(b, v[len(v)-64:]), "block version %d holding erased keys still in %s", i, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, scanned, 3)
}

// A crash between storing a block's new version and overwriting the old
// one leaves both; the erase job comes back and finishes the job.
func TestDataKeyEraseFinishesAfterCrashBetweenSteps(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	dk := tl.store.DataKeys()
	id, _, err := dk.Create(ctx)
	require.NoError(t, err)
	ref, err := parseDataKeyID(id)
	require.NoError(t, err)
	old, kb, err := dk.readBlock(ctx, ref.block)
	require.NoError(t, err)
	delete(kb, ref.slot)
	// Step one only: the new version without the key.
	_, err = dk.js.Publish(ctx, blockSubject(ref.block), tl.store.Barrier().Seal(blockAAD(ref.block), kb.marshal()))
	require.NoError(t, err)
	_, err = dk.stream.GetMsg(ctx, old.Sequence)
	require.NoError(t, err, "the old version is still there")

	require.NoError(t, dk.Destroy(ctx, id))
	_, err = dk.stream.GetMsg(ctx, old.Sequence)
	require.ErrorIs(t, err, jetstream.ErrMsgNotFound, "the redelivered erasure removed the old version")
	dk.cache.Clear()
	_, err = dk.Get(ctx, id)
	require.ErrorIs(t, err, ErrDataKeyDestroyed)
}

// Data dirs written before blocks hold one key per message; those keys
// still read and erase.
func TestLegacyDataKeysStillReadAndErase(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	dk := tl.store.DataKeys()
	id, key := NewID(), RandomKey()
	_, err := dk.js.Publish(ctx, dataKeyPrefix+id, tl.store.Barrier().Seal(dataKeyAAD(id), key), jetstream.WithExpectLastSequencePerSubject(0))
	require.NoError(t, err)
	got, err := dk.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, key, got)
	require.NoError(t, dk.Destroy(ctx, id))
	dk.cache.Clear()
	_, err = dk.Get(ctx, id)
	require.ErrorIs(t, err, ErrDataKeyDestroyed)
	_, err = dk.Get(ctx, "not-an-id")
	require.ErrorIs(t, err, ErrCorrupt)
}

// A data dir from before blocks has the data-key stream with one message
// per subject; opening it widens the limit for block rewrites.
func TestOldDataKeyStreamConfigIsUpgraded(t *testing.T) {
	dir := t.TempDir()
	ns, nc, err := StartEmbedded(EmbeddedConfig{StoreDir: filepath.Join(dir, "nats")})
	require.NoError(t, err)
	defer func() { nc.Close(); ns.Shutdown() }()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: dataKeyStream, Subjects: []string{dataKeyPrefix + ">"},
		Storage: jetstream.FileStorage, MaxMsgsPerSubject: 1, DenyPurge: true})
	require.NoError(t, err)
	st, err := Open(ctx, nc, 1)
	require.NoError(t, err)
	defer st.Close()
	info, err := st.DataKeys().stream.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, -1, info.Config.MaxMsgsPerSubject)
}

// A read of a block that races the block's erasure must not put the
// erased key back in the cache: reads of a sibling key run while each key
// is destroyed, and afterwards the destroyed key is gone.
func TestDataKeyReadRacingErasureDoesNotCacheErasedKey(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	dk := tl.store.DataKeys()
	const rounds = 40
	for range rounds {
		victim, _, err := dk.Create(ctx)
		require.NoError(t, err)
		sibling, _, err := dk.Create(ctx)
		require.NoError(t, err)
		dk.cache.Clear()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					_, _ = dk.Get(ctx, sibling)
					dk.cache.Delete(sibling)
				}
			})
		}
		require.NoError(t, dk.Destroy(ctx, victim))
		close(stop)
		wg.Wait()
		_, err = dk.Get(ctx, victim)
		require.ErrorIs(t, err, ErrDataKeyDestroyed)
	}
}
