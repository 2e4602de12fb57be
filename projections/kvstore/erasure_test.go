package kvstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// A pruning write queues no erase job (its own ledger message is the
// record): its pruned keys are erased in the background, and the sweep
// then finds them erased and empties the pending list.
func TestPrunedKeysErasedWithoutEraseJob(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	require.NoError(t, s.runner.WriteConfig(ctx, mount, kv.ConfigWrite{MaxVersions: ptr(uint32(2))}))
	var keys []string
	for i := 1; i <= 5; i++ {
		_, err := s.runner.Write(ctx, mount, "p", fmt.Appendf(nil, `{"i":%d}`, i), nil)
		require.NoError(t, err)
		meta, err := s.reader.Metadata(mount, "p")
		require.NoError(t, err)
		keys = append(keys, meta.Versions[uint64(i)].DataKey)
	}
	dk := s.ledger.DataKeys()
	for i, k := range keys[:3] {
		testkit.CheckFor(t, 10*time.Second, 0, func() error {
			if _, err := dk.Get(ctx, k); !errors.Is(err, ledger.ErrDataKeyDestroyed) {
				return fmt.Errorf("pruned version %d: %v", i+1, err)
			}
			return nil
		})
	}
	for i, k := range keys[3:] {
		_, err := dk.Get(ctx, k)
		require.NoError(t, err, "kept version %d", i+4)
	}
	require.Zero(t, dk.Stats().Jobs, "a pruning write must not queue an erase job")
	pending, err := s.reader.PendingErasures(100)
	require.NoError(t, err)
	require.ElementsMatch(t, keys[:3], pending)

	s.runner.SweepEvery = 300 * time.Millisecond
	sweepCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = s.runner.RunSweeper(sweepCtx, slog.Default()) }()
	testkit.CheckFor(t, 15*time.Second, 0, func() error {
		pending, err := s.reader.PendingErasures(100)
		if err != nil || len(pending) > 0 {
			return fmt.Errorf("pending %v, %v", pending, err)
		}
		return nil
	})
	for _, k := range keys[3:] {
		_, err := dk.Get(ctx, k)
		require.NoError(t, err, "the sweep erased a kept version's key")
	}
}

// A destroy committed to the ledger whose erasure never ran (the node
// crashed between the two) is still erased: the read model lists the key,
// and the sweep erases it. The same holds after a rebuild of the read
// model, where every key ever destroyed is listed again.
func TestSweepErasesKeyWhoseErasureWasLost(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	_, err := s.runner.Write(ctx, mount, "lost", []byte(`{"k":"v1"}`), nil)
	require.NoError(t, err)
	_, err = s.runner.Write(ctx, mount, "lost", []byte(`{"k":"v2"}`), nil)
	require.NoError(t, err)
	meta, err := s.reader.Metadata(mount, "lost")
	require.NoError(t, err)
	lost, kept := meta.Versions[1].DataKey, meta.Versions[2].DataKey

	// The destroy's events, committed without its erasure.
	sec, err := s.runner.Secret(mount, "lost")
	require.NoError(t, err)
	_, err = s.env.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st, err := s.runner.Load(sec)
		if err != nil {
			return nil, err
		}
		events, _, err := kv.DecideDestroy(st, sec, []uint64{1})
		return events, err
	})
	require.NoError(t, err)
	pending, err := s.reader.PendingErasures(100)
	require.NoError(t, err)
	require.Equal(t, []string{lost}, pending)
	_, err = s.ledger.DataKeys().Get(ctx, lost)
	require.NoError(t, err, "nothing erased the key yet")

	s.runner.SweepEvery = 300 * time.Millisecond
	sweepCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = s.runner.RunSweeper(sweepCtx, slog.Default()) }()
	waitSwept(t, s.reader)
	_, err = s.ledger.DataKeys().Get(ctx, lost)
	require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed)
	_, err = s.ledger.DataKeys().Get(ctx, kept)
	require.NoError(t, err)
	_, err = s.reader.Value(ctx, mount, "lost", 2)
	require.NoError(t, err)
	stop()

	// A rebuild lists the destroyed key again; sweeping it only reads.
	rebuilt := s.rebuild(t)
	pending, err = rebuilt.PendingErasures(100)
	require.NoError(t, err)
	require.True(t, slices.Contains(pending, lost), "rebuild lists %s: %v", lost, pending)
	runner := &kv.Runner{Bus: s.env.Bus, Reader: rebuilt, SweepEvery: 300 * time.Millisecond}
	sweepCtx, stop = context.WithCancel(ctx)
	defer stop()
	before := s.ledger.DataKeys().Stats()
	go func() { _ = runner.RunSweeper(sweepCtx, slog.Default()) }()
	waitSwept(t, rebuilt)
	after := s.ledger.DataKeys().Stats()
	require.Equal(t, before.Rewrites, after.Rewrites, "keys already erased need no rewrite")
	_, err = rebuilt.Value(ctx, mount, "lost", 2)
	require.NoError(t, err)
}

func waitSwept(t *testing.T, r kvstore.Reader) {
	t.Helper()
	testkit.CheckFor(t, 15*time.Second, 0, func() error {
		pending, err := r.PendingErasures(100)
		if err != nil || len(pending) > 0 {
			return fmt.Errorf("pending %v, %v", pending, err)
		}
		return nil
	})
}
