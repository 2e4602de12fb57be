package transit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/transitstore"
)

func TestAutoRotation(t *testing.T) {
	e := newEnv(t)
	e.write("keys/auto", map[string]any{"auto_rotate_period": "1h"})
	e.write("keys/manual", nil)
	assert.Equal(t, 3600, num(e.read("keys/auto")["auto_rotate_period"]))

	e.clock.Advance(59 * time.Minute)
	rotated, err := e.b.RotateDueKeys(t.Context())
	require.NoError(t, err)
	assert.Empty(t, rotated)

	e.clock.Advance(2 * time.Minute)
	rotated, err = e.b.RotateDueKeys(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"auto"}, rotated)
	assert.Equal(t, 2, num(e.read("keys/auto")["latest_version"]))
	assert.Equal(t, 1, num(e.read("keys/manual")["latest_version"]))
	assert.Regexp(t, "^vault:v2:", e.write("encrypt/auto", map[string]any{"plaintext": b64("x")})["ciphertext"])

	rotated, err = e.b.RotateDueKeys(t.Context())
	require.NoError(t, err)
	assert.Empty(t, rotated, "the period starts again at the new version")

	events := e.events()
	last := events[len(events)-1]
	require.Equal(t, transitevent.EventKeyRotated, last.Type)
	assert.Equal(t, "system", last.Actor)
	var rot transitevent.KeyRotated
	require.NoError(t, json.Unmarshal(last.Data, &rot))
	assert.True(t, rot.Auto, "recorded as an automatic rotation")
	assert.Equal(t, 2, rot.Next.Version)

	// The backend's own timer does the same.
	e.clock.Advance(2 * time.Hour)
	var looked atomic.Int64 // how often the backend read its clock
	now := func() time.Time { looked.Add(1); return e.clock.Now() }
	timed := New(e.deps, framework.MountInfo{Accessor: testMount}, Options{Now: now, AutoRotateInterval: 10 * time.Millisecond})
	defer timed.Close()
	require.Eventually(t, func() bool {
		k, err := transitstore.Get(e.store, testMount, "auto")
		return err == nil && k.LatestVersion == 3
	}, 10*time.Second, 10*time.Millisecond)
	// Let the timer run a few more times.
	seen := looked.Load()
	testkit.Eventually(t, 10*time.Second, "more timer runs", func() bool { return looked.Load() >= seen+5 })
	k, err := transitstore.Get(e.store, testMount, "auto")
	require.NoError(t, err)
	assert.Equal(t, 3, k.LatestVersion, "one rotation per period, however often the timer runs")
}

// TestCacheFollowsOtherWriters: a key changed through another backend (as
// another node would) is seen once the projector applies the event.
func TestCacheFollowsOtherWriters(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	assert.Regexp(t, "^vault:v1:", e.write("encrypt/k", map[string]any{"plaintext": b64("x")})["ciphertext"])

	other := New(e.deps, framework.MountInfo{Accessor: testMount}, Options{AutoRotateInterval: -1})
	defer other.Close()
	_, err := other.runner.Rotate(t.Context(), "k", false)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ct := e.write("encrypt/k", map[string]any{"plaintext": b64("x")})["ciphertext"].(string)
		return ct[:9] == "vault:v2:"
	}, 5*time.Second, time.Millisecond)
}

func TestConcurrentEncryptDuringRotation(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	var wg sync.WaitGroup
	cts := make(chan string, 800)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				resp, err := e.call(framework.UpdateOperation, "encrypt/k", map[string]any{"plaintext": b64("payload")})
				if !assert.NoError(t, err) {
					return
				}
				cts <- resp.Data["ciphertext"].(string)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		e.write("keys/k/rotate", nil)
	}
	wg.Wait()
	close(cts)
	for ct := range cts {
		assert.Equal(t, "payload", unb64(t, e.write("decrypt/k", map[string]any{"ciphertext": ct})["plaintext"]))
	}
	assert.Regexp(t, "^vault:v6:", e.write("encrypt/k", map[string]any{"plaintext": b64("x")})["ciphertext"])
}

// dataFiles returns every file under dir.
func dataFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = b
		return nil
	}))
	return out
}

func TestDeleteErasesTheKey(t *testing.T) {
	e := newEnv(t)
	e.write("keys/pii", map[string]any{"exportable": true})
	e.write("keys/pii/rotate", nil)
	keys := [][]byte{e.exportedKey("encryption-key", "pii", 1), e.exportedKey("encryption-key", "pii", 2)}
	plaintexts := []string{"alice 1970-01-01 +44 20 7946 0000 q8Zt", "bob 1980-02-02 +44 20 7946 0001 p3Lw"}
	var cts []string
	for _, p := range plaintexts {
		cts = append(cts, e.write("encrypt/pii", map[string]any{"plaintext": b64(p)})["ciphertext"].(string))
	}
	rec, err := transitstore.Get(e.store, testMount, "pii")
	require.NoError(t, err)
	e.write("keys/pii/config", map[string]any{"deletion_allowed": true})
	_, err = e.call(framework.DeleteOperation, "keys/pii", nil)
	require.NoError(t, err)

	// Every data key any transit event of the key ever named is gone.
	checked := 0
	for _, r := range e.events() {
		var p struct {
			DataKey string `json:"data_key"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &p))
		if p.DataKey == "" {
			continue
		}
		checked++
		_, err := e.ledger.DataKeys().Get(t.Context(), p.DataKey)
		require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed, "%s names data key %s", r.Type, p.DataKey)
	}
	assert.Equal(t, 3, checked, "created, rotated, deleted")

	// Not through the API, not after rebuilding the read model from the
	// ledger, not with a new key of the same name.
	status, msg := e.fail(framework.UpdateOperation, "decrypt/pii", map[string]any{"ciphertext": cts[0]})
	assert.Equal(t, 400, status)
	assert.Equal(t, "encryption key not found", msg)
	e.rebuildProjections()
	_, err = e.call(framework.ReadOperation, "keys/pii", nil)
	require.ErrorIs(t, err, framework.ErrNotFound)
	status, _ = e.fail(framework.UpdateOperation, "decrypt/pii", map[string]any{"ciphertext": cts[0]})
	assert.Equal(t, 400, status)
	e.write("keys/pii", nil)
	e.write("keys/pii/rotate", nil)
	fresh, err := transitstore.Get(e.store, testMount, "pii")
	require.NoError(t, err)
	assert.NotEqual(t, rec.DataKey, fresh.DataKey)
	for _, ct := range cts {
		status, msg := e.fail(framework.UpdateOperation, "decrypt/pii", map[string]any{"ciphertext": ct})
		assert.Equal(t, 400, status)
		assert.Equal(t, "cipher: message authentication failed", msg)
	}

	// No file under the data dir holds the key material or a plaintext.
	var needles [][]byte
	for _, k := range keys {
		needles = append(needles, k, []byte(base64.StdEncoding.EncodeToString(k)))
	}
	for _, p := range plaintexts {
		needles = append(needles, []byte(p), []byte(b64(p)))
	}
	files := dataFiles(t, e.dir)
	require.NotEmpty(t, files)
	for path, content := range files {
		for _, n := range needles {
			assert.False(t, bytes.Contains(content, n), "%s contains secret bytes", path)
		}
	}
}

// TestDeleteCompletesAfterInterruptedErasure: a crash after the data key
// was destroyed but before the deletion was recorded leaves a listed key
// that refuses to work, and deleting it again completes the deletion.
func TestDeleteCompletesAfterInterruptedErasure(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", nil)
	e.write("keys/k/config", map[string]any{"deletion_allowed": true})
	rec, err := transitstore.Get(e.store, testMount, "k")
	require.NoError(t, err)
	require.NoError(t, e.ledger.DataKeys().Destroy(t.Context(), rec.DataKey))
	e.b.cache.invalidate("k") // as after a restart

	status, msg := e.fail(framework.UpdateOperation, "encrypt/k", map[string]any{"plaintext": b64("x")})
	assert.Equal(t, 500, status)
	assert.Contains(t, msg, "its data key was erased")

	_, err = e.call(framework.DeleteOperation, "keys/k", nil)
	require.NoError(t, err)
	_, err = e.call(framework.ReadOperation, "keys/k", nil)
	require.ErrorIs(t, err, framework.ErrNotFound)
}
