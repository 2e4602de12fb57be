package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

const testWritten = "snapshottest.written"

type written struct {
	K string `json:"k"`
	V string `json:"v"`
}

func init() { ledger.RegisterEventType(testWritten, 1, written{}) }

// env is a ledger whose projector writes t/<k> = v for each test event.
func env(t *testing.T) (*ledgertest.Env, *Store) {
	e := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){func(p *projections.Projector) {
		p.Handle(testWritten, projections.Decoded(projections.ErrCorrupt, func(tx *projections.Tx, w *written) error {
			return tx.Set([]byte("t/"+w.K), []byte(w.V))
		}))
	}}})
	s, err := Open(context.Background(), e.Ledger, Options{Replicas: 1, Keep: 2, NodeID: "test", TempDir: t.TempDir()})
	require.NoError(t, err)
	return e, s
}

func write(t *testing.T, e *ledgertest.Env, from, to int) {
	ctx := context.Background()
	var seq uint64
	for i := from; i < to; i++ {
		var err error
		seq, err = e.Ledger.Writer().Append(ctx, ledger.MakeEvent(testWritten, written{K: fmt.Sprint(i), V: fmt.Sprint("value ", i)}))
		require.NoError(t, err)
	}
	require.NoError(t, e.Store.WaitApplied(ctx, seq))
}

// keys opens the restored store in dir and returns its applied index and
// its test keys.
func keys(t *testing.T, dir string) (uint64, []string) {
	ps, err := projections.Open(dir)
	require.NoError(t, err)
	defer ps.Close()
	var out []string
	require.NoError(t, ps.Scan([]byte("t/"), func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	}))
	return ps.AppliedSeq(), out
}

func TestTakeAndRestore(t *testing.T) {
	e, s := env(t)
	ctx := context.Background()
	write(t, e, 0, 10)
	before := e.Store.AppliedSeq()
	info, err := s.Take(ctx, e.Store)
	require.NoError(t, err)
	require.Equal(t, before, info.Seq)
	require.Greater(t, info.RecordSeq, info.Seq)
	write(t, e, 10, 15) // the tail, not in the snapshot

	dir := filepath.Join(t.TempDir(), "projections")
	got, err := s.Restore(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, info.Name, got.Name)
	applied, ks := keys(t, dir)
	require.Equal(t, info.Seq, applied)
	require.Len(t, ks, 10)
	require.Contains(t, ks, "t/9=value 9")

	// No plaintext in the stored object: the values written are not in it.
	var buf bytes.Buffer
	_, err = s.WriteTo(ctx, "", &buf)
	require.NoError(t, err)
	require.Equal(t, info.Size, int64(buf.Len()))
	require.NotContains(t, buf.String(), "value 9")
	require.NotContains(t, buf.String(), "MANIFEST")

	// Taking again at the same index stores nothing new.
	again, err := s.Take(ctx, e.Store)
	require.NoError(t, err)
	require.NotEqual(t, info.Name, again.Name, "the tail moved the index on")
	list, err := s.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, again.Name, list[0].Name)
}

// putRaw replaces a snapshot's bytes, keeping its metadata (a corrupt or
// forged object).
func putRaw(t *testing.T, s *Store, info Info, data []byte) {
	o, err := s.obj.GetInfo(context.Background(), info.Name)
	require.NoError(t, err)
	_, err = s.obj.Put(context.Background(), jetstream.ObjectMeta{Name: info.Name, Metadata: o.Metadata}, bytes.NewReader(data))
	require.NoError(t, err)
}

func TestRestoreSkipsCorruptForOlderThenNone(t *testing.T) {
	e, s := env(t)
	ctx := context.Background()
	write(t, e, 0, 5)
	older, err := s.Take(ctx, e.Store)
	require.NoError(t, err)
	write(t, e, 5, 8)
	newer, err := s.Take(ctx, e.Store)
	require.NoError(t, err)

	var buf bytes.Buffer
	_, err = s.WriteTo(ctx, newer.Name, &buf)
	require.NoError(t, err)
	b := buf.Bytes()
	b[len(b)/2] ^= 1 // one flipped bit
	putRaw(t, s, newer, b)

	dir := filepath.Join(t.TempDir(), "projections")
	got, err := s.Restore(ctx, dir)
	require.NoError(t, err)
	require.Equal(t, older.Name, got.Name, "the corrupt newest is skipped for the previous one")
	applied, ks := keys(t, dir)
	require.Equal(t, older.Seq, applied)
	require.Len(t, ks, 5)

	// The older one re-sealed as another snapshot's bytes (valid frames,
	// wrong name): refused as well, and then nothing is usable.
	buf.Reset()
	_, err = s.WriteTo(ctx, older.Name, &buf)
	require.NoError(t, err)
	putRaw(t, s, newer, buf.Bytes())
	putRaw(t, s, older, buf.Bytes()[:buf.Len()-10]) // cut short
	dir2 := filepath.Join(t.TempDir(), "projections")
	_, err = s.Restore(ctx, dir2)
	require.ErrorIs(t, err, ErrNone)
	_, statErr := os.Stat(dir2)
	require.True(t, os.IsNotExist(statErr), "a refused restore leaves no directory behind")
}

func TestRestoreRefusesUnrecordedSnapshot(t *testing.T) {
	e, s := env(t)
	ctx := context.Background()
	write(t, e, 0, 3)
	info, err := s.Take(ctx, e.Store)
	require.NoError(t, err)
	// Metadata pointing at a ledger message that is not its record.
	o, err := s.obj.GetInfo(ctx, info.Name)
	require.NoError(t, err)
	meta := o.ObjectMeta
	meta.Metadata["coffer-record-seq"] = "2"
	require.NoError(t, s.obj.UpdateMeta(ctx, info.Name, meta))
	_, err = s.Restore(ctx, filepath.Join(t.TempDir(), "p"))
	require.ErrorIs(t, err, ErrNone)
	require.ErrorContains(t, err, "not recorded in the ledger")
}

func TestRunTakesByEventCountAndKeepsTheLastFew(t *testing.T) {
	e, s := env(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, e.Store, Policy{EveryEvents: 5, Interval: time.Hour, Check: 20 * time.Millisecond})
	}()
	defer func() { cancel(); <-done }()
	// Each round's six events pass EveryEvents, so each round ends with a
	// newer snapshot (taken after the fifth event or the sixth: the check
	// may run in between, so "newer", not "at the last event").
	var prev uint64
	for round := range 4 {
		write(t, e, round*6, round*6+6)
		require.Eventually(t, func() bool {
			list, err := s.List(ctx)
			if err != nil || len(list) == 0 || list[0].Seq <= prev {
				return false
			}
			prev = list[0].Seq
			return true
		}, 10*time.Second, 20*time.Millisecond, "round %d", round)
	}
	var list []Info
	require.Eventually(t, func() bool { // pruning follows the store
		list, _ = s.List(ctx)
		return len(list) == 2
	}, 10*time.Second, 20*time.Millisecond, "Keep is 2")
	for _, i := range list {
		require.True(t, strings.HasPrefix(i.Name, "projections-"))
	}
}

// TestRunCountsEventsNotMessages: the threshold is in events, so one
// message packing more events than it makes a snapshot due, and as many
// messages as the threshold holding fewer events do not.
func TestRunCountsEventsNotMessages(t *testing.T) {
	e, s := env(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, e.Store, Policy{EveryEvents: 10, Interval: time.Hour, Check: 20 * time.Millisecond})
	}()
	defer func() { cancel(); <-done }()
	appendOne := func(from, n int) {
		evs := make([]ledger.Event, n)
		for i := range evs {
			evs[i] = ledger.MakeEvent(testWritten, written{K: fmt.Sprint(from + i), V: "v"})
		}
		seq, err := e.Ledger.Writer().Append(ctx, evs...)
		require.NoError(t, err)
		require.NoError(t, e.Store.WaitApplied(ctx, seq))
	}
	appendOne(0, 12) // one message, twelve events
	var first Info
	require.Eventually(t, func() bool {
		list, err := s.List(ctx)
		if err != nil || len(list) == 0 {
			return false
		}
		first = list[0]
		return true
	}, 5*time.Second, 20*time.Millisecond, "one message of 12 events passes a threshold of 10 events")

	for i := range 3 { // three messages of three events: 9 < 10
		appendOne(100+3*i, 3)
	}
	time.Sleep(200 * time.Millisecond) // ten checks
	list, err := s.List(ctx)
	require.NoError(t, err)
	require.Equal(t, first.Name, list[0].Name, "nine events since the last snapshot are not ten")

	appendOne(200, 1) // the tenth
	require.Eventually(t, func() bool {
		list, err := s.List(ctx)
		return err == nil && len(list) > 0 && list[0].Name != first.Name
	}, 5*time.Second, 20*time.Millisecond, "ten events since the last snapshot")
}
