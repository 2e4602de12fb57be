package kvstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/kvstore"
)

func TestWriteReadPatchDeleteLifecycle(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)

	w, err := s.runner.Write(ctx, mount, "app/db", []byte(`{"user":"app","pass":"s3cret"}`), nil)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), w.Version)

	exists, err := s.reader.Exists(mount, "app/db")
	require.NoError(t, err)
	assert.True(t, exists)
	exists, err = s.reader.Exists("other_mount", "app/db")
	require.NoError(t, err)
	assert.False(t, exists, "storage is keyed by mount accessor")

	got, err := s.reader.Value(ctx, mount, "app/db", 1)
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":"app","pass":"s3cret"}`, string(got))

	w, err = s.runner.Patch(ctx, mount, "app/db", map[string]any{"pass": "n3w", "user": nil}, nil)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), w.Version)
	got, err = s.reader.Value(ctx, mount, "app/db", 2)
	require.NoError(t, err)
	assert.JSONEq(t, `{"pass":"n3w"}`, string(got))

	meta, err := s.reader.Metadata(mount, "app/db")
	require.NoError(t, err)
	assert.Equal(t, "app/db", meta.Path)
	assert.Equal(t, uint64(2), meta.CurrentVersion)
	assert.Equal(t, meta.Versions[1].CreatedTime, meta.CreatedTime)
	assert.Equal(t, meta.Versions[2].CreatedTime, meta.UpdatedTime)
	assert.NotEqual(t, meta.Versions[1].DataKey, meta.Versions[2].DataKey, "one data key per version")

	_, err = s.runner.Write(ctx, mount, "app/db", []byte(`{"x":1}`), ptr(int64(1)))
	require.ErrorIs(t, err, kv.ErrCASMismatch)

	require.NoError(t, s.runner.DeleteLatest(ctx, mount, "app/db"))
	meta, err = s.reader.Metadata(mount, "app/db")
	require.NoError(t, err)
	v2 := meta.Versions[2]
	assert.False(t, v2.Readable(time.Now()), "deleted")
	require.NoError(t, s.runner.Undelete(ctx, mount, "app/db", []uint64{2}))
	meta, err = s.reader.Metadata(mount, "app/db")
	require.NoError(t, err)
	v2 = meta.Versions[2]
	assert.True(t, v2.Readable(time.Now()), "undeleted")

	warnings, err := s.runner.WriteMetadata(ctx, mount, "app/db", kv.MetadataWrite{SetCustomMetadata: true, CustomMetadata: map[string]string{"owner": "ops"}})
	require.NoError(t, err)
	assert.Empty(t, warnings)
	meta, err = s.reader.Metadata(mount, "app/db")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"owner": "ops"}, meta.CustomMetadata)
	assert.Len(t, meta.Versions, 2, "metadata writes keep the versions")

	keys := []string{meta.Versions[1].DataKey, meta.Versions[2].DataKey}
	require.NoError(t, s.runner.DeleteMetadata(ctx, mount, "app/db"))
	_, err = s.reader.Metadata(mount, "app/db")
	require.ErrorIs(t, err, kvstore.ErrNotFound)
	_, err = s.reader.Value(ctx, mount, "app/db", 1)
	require.ErrorIs(t, err, kvstore.ErrNotFound)
	for _, k := range keys {
		_, err := s.ledger.DataKeys().Get(ctx, k)
		require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed, "metadata delete erases every version's key")
	}

	w, err = s.runner.Write(ctx, mount, "app/db", []byte(`{"again":true}`), ptr(int64(0)))
	require.NoError(t, err)
	assert.Equal(t, uint64(1), w.Version, "a deleted secret starts over at version 1")
}

func TestListFoldersAndNames(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	for _, p := range []string{"a", "b/c", "b/d/e", "b/d/f", "bb", "z/"} {
		_, err := s.runner.Write(ctx, mount, p, []byte(`{}`), nil)
		require.NoError(t, err)
	}
	_, err := s.runner.WriteMetadata(ctx, mount, "m/only", kv.MetadataWrite{MaxVersions: ptr(uint32(3))})
	require.NoError(t, err)
	_, err = s.runner.Write(ctx, "other_mount", "hidden", []byte(`{}`), nil)
	require.NoError(t, err)

	cases := map[string][]string{
		"":     {"a", "b/", "bb", "m/", "z/"},
		"b/":   {"c", "d/"},
		"b/d/": {"e", "f"},
		"m/":   {"only"},
		"x/":   {},
	}
	for prefix, want := range cases {
		got, err := s.reader.List(mount, prefix)
		require.NoError(t, err)
		assert.Equal(t, want, got, "prefix %q", prefix)
	}
}

func TestDestroyThenRebuildFromZero(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	_, err := s.runner.Write(ctx, mount, "svc", []byte(`{"v":"one"}`), nil)
	require.NoError(t, err)
	_, err = s.runner.Write(ctx, mount, "svc", []byte(`{"v":"two"}`), nil)
	require.NoError(t, err)
	meta, err := s.reader.Metadata(mount, "svc")
	require.NoError(t, err)
	key1 := meta.Versions[1].DataKey
	k1, err := s.ledger.DataKeys().Get(ctx, key1)
	require.NoError(t, err)
	k1 = append([]byte(nil), k1...)

	require.NoError(t, s.runner.Destroy(ctx, mount, "svc", []uint64{1}))
	_, err = s.reader.Value(ctx, mount, "svc", 1)
	require.ErrorIs(t, err, kvstore.ErrNotFound)

	rebuilt := s.rebuild(t)
	meta, err = rebuilt.Metadata(mount, "svc")
	require.NoError(t, err)
	assert.True(t, meta.Versions[1].Destroyed)
	assert.False(t, meta.Versions[2].Destroyed)
	_, err = rebuilt.Value(ctx, mount, "svc", 1)
	require.ErrorIs(t, err, kvstore.ErrNotFound, "a rebuild does not bring the value back")
	got, err := rebuilt.Value(ctx, mount, "svc", 2)
	require.NoError(t, err)
	assert.JSONEq(t, `{"v":"two"}`, string(got))

	_, err = s.ledger.DataKeys().Get(ctx, key1)
	require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed, "the old data key is gone")

	// The ledger still holds version 1's ciphertext; only the erased key
	// could open it.
	ct := findCiphertext(t, s, "svc", 1)
	aad := kvevent.ValueAAD(mount, "svc", 1)
	plain, err := ledger.OpenWith(k1, aad, ct)
	require.NoError(t, err, "the test's copy of the old key opens the ledger's ciphertext")
	assert.JSONEq(t, `{"v":"one"}`, string(plain))
	_, err = ledger.OpenWith(ledger.RandomKey(), aad, ct)
	require.Error(t, err)
}

// findCiphertext reads the ledger from the start and returns the sealed
// value of a version_written event.
func findCiphertext(t *testing.T, s *stack, path string, version uint64) []byte {
	t.Helper()
	last, err := s.ledger.LastSeq(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var found []byte
	stop := fmt.Errorf("found")
	err = s.ledger.Consume(ctx, 1, func(m ledger.Message) error {
		recs, err := s.ledger.Decode(m)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Type != kvevent.EventVersionWritten {
				continue
			}
			var e kvevent.VersionWritten
			require.NoError(t, jsonUnmarshal(r.Data, &e))
			if e.Path == path && e.Version == version {
				found = e.Ciphertext
			}
		}
		if m.Seq >= last {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.NotNil(t, found)
	return found
}

func TestMaxVersionsPruningErasesKeys(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	require.NoError(t, s.runner.WriteConfig(ctx, mount, kv.ConfigWrite{MaxVersions: ptr(uint32(2))}))
	cfg, err := s.reader.Config(mount)
	require.NoError(t, err)
	assert.Equal(t, uint32(2), cfg.MaxVersions)

	var keys []string
	for i := 1; i <= 4; i++ {
		_, err := s.runner.Write(ctx, mount, "p", fmt.Appendf(nil, `{"i":%d}`, i), nil)
		require.NoError(t, err)
		meta, err := s.reader.Metadata(mount, "p")
		require.NoError(t, err)
		keys = append(keys, meta.Versions[uint64(i)].DataKey)
	}
	meta, err := s.reader.Metadata(mount, "p")
	require.NoError(t, err)
	assert.Equal(t, uint64(3), meta.OldestVersion)
	assert.ElementsMatch(t, []uint64{3, 4}, mapKeys(meta.Versions))
	// Pruned versions are erased by the eraser queue, not inline.
	eraserCtx, stopEraser := context.WithCancel(ctx)
	defer stopEraser()
	go func() { _ = s.ledger.DataKeys().RunEraser(eraserCtx, slog.Default()) }()
	for i, k := range keys {
		_, err := s.ledger.DataKeys().Get(ctx, k)
		if i < 2 {
			testkit.CheckFor(t, 10*time.Second, 0, func() error {
				if _, err := s.ledger.DataKeys().Get(ctx, k); !errors.Is(err, ledger.ErrDataKeyDestroyed) {
					return fmt.Errorf("pruned version %d: %v", i+1, err)
				}
				return nil
			})
			_, err = s.reader.Value(ctx, mount, "p", uint64(i+1))
			require.ErrorIs(t, err, kvstore.ErrNotFound)
		} else {
			require.NoError(t, err, "kept version %d", i+1)
		}
	}
}

func TestConcurrentWritersGetDistinctVersions(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	const writers, each = 8, 5
	var wg sync.WaitGroup
	versions := make(chan uint64, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				res, err := s.runner.Write(ctx, mount, "hot", fmt.Appendf(nil, `{"w":%d,"i":%d}`, w, i), nil)
				if !assert.NoError(t, err) {
					return
				}
				versions <- res.Version
			}
		}()
	}
	wg.Wait()
	close(versions)
	seen := map[uint64]bool{}
	for v := range versions {
		assert.False(t, seen[v], "version %d handed out twice", v)
		seen[v] = true
	}
	assert.Len(t, seen, writers*each)
	meta, err := s.reader.Metadata(mount, "hot")
	require.NoError(t, err)
	assert.Equal(t, uint64(writers*each), meta.CurrentVersion)
	assert.Len(t, meta.Versions, kvevent.DefaultMaxVersions)
}

func TestValueSealedUnderItsOwnKeyAndAAD(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	_, err := s.runner.Write(ctx, mount, "a", []byte(`{"k":"v"}`), nil)
	require.NoError(t, err)
	ct := findCiphertext(t, s, "a", 1)
	meta, err := s.reader.Metadata(mount, "a")
	require.NoError(t, err)
	key, err := s.ledger.DataKeys().Get(ctx, meta.Versions[1].DataKey)
	require.NoError(t, err)
	_, err = ledger.OpenWith(key, kvevent.ValueAAD(mount, "a", 1), ct)
	require.NoError(t, err)
	for _, aad := range [][]byte{kvevent.ValueAAD(mount, "b", 1), kvevent.ValueAAD(mount, "a", 2), kvevent.ValueAAD("other", "a", 1)} {
		_, err = ledger.OpenWith(key, aad, ct)
		require.Error(t, err, "ciphertext must not open as %q", aad)
	}
}

func ptr[T any](v T) *T { return &v }

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
