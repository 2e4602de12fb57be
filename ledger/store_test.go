package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testLedger struct {
	dir   string
	store *Store
	stop  func()
}

func startLedger(t testing.TB, dir string) *testLedger {
	t.Helper()
	return startLedgerWith(t, dir, OpenOptions{Replicas: 1})
}

func startLedgerWith(t testing.TB, dir string, o OpenOptions) *testLedger {
	t.Helper()
	ctx := context.Background()
	ns, nc, err := StartEmbedded(EmbeddedConfig{StoreDir: filepath.Join(dir, "nats")})
	require.NoError(t, err)
	st, err := OpenWithOptions(ctx, nc, o)
	require.NoError(t, err)
	seal, err := OpenDevSeal(dir)
	require.NoError(t, err)
	ok, err := st.Initialized(ctx)
	require.NoError(t, err)
	if ok {
		require.NoError(t, st.Unseal(ctx, seal))
	} else {
		require.NoError(t, st.Init(ctx, seal))
	}
	tl := &testLedger{dir: dir, store: st}
	stopped := false
	tl.stop = func() {
		if stopped {
			return
		}
		stopped = true
		st.Close()
		nc.Close()
		ns.Shutdown()
		ns.WaitForShutdown()
	}
	t.Cleanup(tl.stop)
	return tl
}

func readAll(t testing.TB, st *Store) []Record {
	t.Helper()
	last, err := st.LastSeq(context.Background())
	require.NoError(t, err)
	var out []Record
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := errors.New("done")
	err = st.Consume(ctx, 1, func(m Message) error {
		recs, err := st.Decode(m)
		if err != nil {
			return err
		}
		out = append(out, recs...)
		if m.Seq >= last {
			return done
		}
		return nil
	})
	require.ErrorIs(t, err, done)
	return out
}

func TestAppendConflictAndReadBack(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	w := tl.store.Writer()

	e1 := NewEvent("test.created", 1, map[string]string{"v": "one"})
	e1.Kind, e1.Aggregate, e1.Version = "test", "a", 1
	seq1, err := w.Append(ctx, e1)
	require.NoError(t, err)

	stale := NewEvent("test.changed", 1, map[string]string{"v": "stale"})
	stale.Kind, stale.Aggregate, stale.Version = "test", "a", 1
	_, err = w.Append(ctx, stale)
	require.ErrorIs(t, err, ErrConflict)

	e2 := NewEvent("test.changed", 1, map[string]string{"v": "two"})
	e2.Kind, e2.Aggregate, e2.Version = "test", "a", 2
	audit := NewEvent("audit.request", 1, map[string]string{"path": "x"})
	seq2, err := w.Append(ctx, e2, audit)
	require.NoError(t, err)
	require.Greater(t, seq2, seq1)

	recs := readAll(t, tl.store)
	require.Len(t, recs, 3)
	require.Equal(t, "test.created", recs[0].Type)
	require.Equal(t, seq2, recs[1].Seq)
	require.Equal(t, 1, recs[2].Pos)
	var d map[string]string
	require.NoError(t, json.Unmarshal(recs[1].Data, &d))
	require.Equal(t, "two", d["v"])
}

func TestGroupCommitPacksConcurrentAppends(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	w := tl.store.Writer()
	const n = 400
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := w.Append(ctx, NewEvent("audit.request", 1, map[string]int{"i": 1}))
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	st := w.Stats()
	require.EqualValues(t, n, st.Events)
	require.Less(t, st.Messages, uint64(n), "concurrent appends must share messages")
}

func TestRestartRotateAndUnseal(t *testing.T) {
	dir := t.TempDir()
	tl := startLedger(t, dir)
	ctx := context.Background()
	_, err := tl.store.Writer().Append(ctx, NewEvent("test.before", 1, "x"))
	require.NoError(t, err)
	term, err := tl.store.Rotate(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, term)
	_, err = tl.store.Writer().Append(ctx, NewEvent("test.after", 1, "y"))
	require.NoError(t, err)
	tl.stop()

	tl2 := startLedger(t, dir)
	active, _ := tl2.store.Barrier().ActiveTerm()
	require.EqualValues(t, 2, active)
	recs := readAll(t, tl2.store)
	require.Len(t, recs, 2)
	require.Equal(t, "test.before", recs[0].Type)
	require.Equal(t, "test.after", recs[1].Type)
}

func TestTamperedMessageIsRejected(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	seq, err := tl.store.Writer().Append(ctx, NewEvent("test.x", 1, "x"))
	require.NoError(t, err)
	m, err := tl.store.Get(ctx, seq)
	require.NoError(t, err)
	m.Data[len(m.Data)-1] ^= 1
	_, err = tl.store.Decode(m)
	require.ErrorIs(t, err, ErrCorrupt)
	m.Data[len(m.Data)-1] ^= 1
	m.MsgID = "other"
	_, err = tl.store.Decode(m)
	require.ErrorIs(t, err, ErrCorrupt, "a body moved under another message id must not open")
}

func TestDataKeyDestroy(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx := context.Background()
	dk := tl.store.DataKeys()
	id, key, err := dk.Create(ctx)
	require.NoError(t, err)
	got, err := dk.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, key, got)
	require.NoError(t, dk.Destroy(ctx, id))
	_, err = dk.Get(ctx, id)
	require.ErrorIs(t, err, ErrDataKeyDestroyed)
}

func TestDestroyLaterErasesThroughTheQueue(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dk := tl.store.DataKeys()
	var ids []string
	for i := 0; i < 5; i++ {
		id, _, err := dk.Create(ctx)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.NoError(t, dk.DestroyLater(ctx, ids[:3]...))
	// Queued before the eraser runs (as after a crash): still erased.
	done := make(chan error, 1)
	go func() { done <- dk.RunEraser(ctx, slog.Default()) }()
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids[:3] {
		for {
			_, err := dk.Get(ctx, id)
			if errors.Is(err, ErrDataKeyDestroyed) {
				break
			}
			require.True(t, time.Now().Before(deadline), "key %s not erased", id)
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, id := range ids[3:] {
		_, err := dk.Get(ctx, id)
		require.NoError(t, err, "keys not queued stay")
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// The root key and every keyring term exist on disk only wrapped: scan
// every file under the data dir for their bytes after a restart.
func TestNoKeyMaterialOnDisk(t *testing.T) {
	dir := t.TempDir()
	tl := startLedger(t, dir)
	ctx := context.Background()
	_, err := tl.store.Rotate(ctx)
	require.NoError(t, err)
	_, err = tl.store.Writer().Append(ctx, NewEvent("test.x", 1, "payload"))
	require.NoError(t, err)
	tl.store.mu.RLock()
	secrets := [][]byte{append([]byte(nil), tl.store.rootKey...), append([]byte(nil), tl.store.keyring.AuditKey...)}
	for _, term := range tl.store.keyring.Terms {
		secrets = append(secrets, append([]byte(nil), term.Key...))
	}
	tl.store.mu.RUnlock()
	tl.stop()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, s := range secrets {
			require.False(t, bytes.Contains(b, s), "key %d in plaintext in %s", i, path)
			require.False(t, bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(s))), "key %d in base64 in %s", i, path)
		}
		return nil
	})
	require.NoError(t, err)
}
