package kv

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

var sec = Secret{Mount: "kv_abc", Path: "app/db", Aggregate: "kv_abc/hash"}

// fakeSealer records what it sealed; its "ciphertext" is the aad and the
// plaintext, so tests can see what would have been sealed.
type fakeSealer struct {
	calls int
	aads  []string
}

func (f *fakeSealer) Seal(aad, plaintext []byte) (string, []byte, error) {
	f.calls++
	f.aads = append(f.aads, string(aad))
	return "key-new", append(append([]byte{}, aad...), plaintext...), nil
}

// metaWith builds metadata holding versions 1..current, all with data
// keys "key-N", the oldest ones pruned below oldest.
func metaWith(current, oldest uint64) *kvevent.Metadata {
	m := &kvevent.Metadata{Path: sec.Path, CurrentVersion: current, OldestVersion: oldest, CreatedTime: t0, UpdatedTime: t0, Versions: map[uint64]kvevent.VersionMeta{}}
	for v := max(oldest, 1); v <= current; v++ {
		m.Versions[v] = kvevent.VersionMeta{CreatedTime: t0, DataKey: fmt.Sprintf("key-%d", v)}
	}
	return m
}

func payload[T any](t *testing.T, e ledger.Event) T {
	t.Helper()
	var out T
	require.NoError(t, json.Unmarshal(e.Data, &out))
	return out
}

func i64(v int64) *int64 { return &v }

func TestDecideWriteCAS(t *testing.T) {
	cases := []struct {
		name       string
		meta       *kvevent.Metadata
		cfg        kvevent.Config
		cas        *int64
		wantErr    error
		wantVerson uint64
	}{
		{name: "new secret, no cas", wantVerson: 1},
		{name: "new secret, cas 0", cas: i64(0), wantVerson: 1},
		{name: "new secret, cas 1", cas: i64(1), wantErr: ErrCASMismatch},
		{name: "existing, cas matches", meta: metaWith(3, 1), cas: i64(3), wantVerson: 4},
		{name: "existing, cas 0 refuses overwrite", meta: metaWith(3, 1), cas: i64(0), wantErr: ErrCASMismatch},
		{name: "existing, stale cas", meta: metaWith(3, 1), cas: i64(2), wantErr: ErrCASMismatch},
		{name: "negative cas never matches", meta: metaWith(3, 1), cas: i64(-1), wantErr: ErrCASMismatch},
		{name: "mount requires cas", cfg: kvevent.Config{CASRequired: true}, wantErr: ErrCASRequired},
		{name: "mount requires cas, given", cfg: kvevent.Config{CASRequired: true}, cas: i64(0), wantVerson: 1},
		{name: "secret requires cas", meta: func() *kvevent.Metadata { m := metaWith(1, 0); m.CASRequired = true; return m }(), wantErr: ErrCASRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := State{Config: tc.cfg, Meta: tc.meta, Version: 7, Now: t0}
			s := &fakeSealer{}
			events, w, err := DecideWrite(st, Write{Secret: sec, Value: []byte(`{"a":"b"}`), CAS: tc.cas, Sealer: s})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Empty(t, events)
				assert.Zero(t, s.calls, "a refused write must not create a data key")
				return
			}
			require.NoError(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, kvevent.EventVersionWritten, events[0].Type)
			assert.Equal(t, "kv", events[0].Kind)
			assert.Equal(t, sec.Aggregate, events[0].Aggregate)
			assert.Equal(t, uint64(8), events[0].Version, "stamped after the state's aggregate version")
			assert.Equal(t, tc.wantVerson, w.Version)
			p := payload[kvevent.VersionWritten](t, events[0])
			assert.Equal(t, tc.wantVerson, p.Version)
			assert.Equal(t, "key-new", p.DataKey)
			assert.Equal(t, string(kvevent.ValueAAD(sec.Mount, sec.Path, tc.wantVerson)), s.aads[0], "value bound to mount, path and version")
		})
	}
}

func TestDecideWriteRefusesNonObjectAndRootPath(t *testing.T) {
	st := State{Now: t0}
	_, _, err := DecideWrite(st, Write{Secret: sec, Value: []byte(`[1,2]`), Sealer: &fakeSealer{}})
	require.ErrorIs(t, err, ErrNotAnObject)
	_, _, err = DecideWrite(st, Write{Secret: Secret{Mount: "m"}, Value: []byte(`{}`), Sealer: &fakeSealer{}})
	require.ErrorIs(t, err, ErrMissingPath)
}

func TestDecideWriteMaxVersionsPruning(t *testing.T) {
	cases := []struct {
		name       string
		meta       *kvevent.Metadata
		cfgMax     uint32
		ownMax     uint32
		wantOldest uint64
		wantPruned []uint64
	}{
		// Vault's sliding window: oldest_version stays 0 until the window
		// first fills, then moves past what is dropped.
		{name: "first write", meta: nil, wantOldest: 0},
		{name: "ninth write keeps all", meta: metaWith(8, 0), wantOldest: 0},
		{name: "tenth write fills window", meta: metaWith(9, 0), wantOldest: 1},
		{name: "eleventh write drops v1", meta: metaWith(10, 1), wantOldest: 2, wantPruned: []uint64{1}},
		{name: "mount max 3", meta: metaWith(3, 1), cfgMax: 3, wantOldest: 2, wantPruned: []uint64{1}},
		{name: "lowered max drops several", meta: metaWith(5, 1), cfgMax: 2, wantOldest: 5, wantPruned: []uint64{1, 2, 3, 4}},
		{name: "larger of secret and mount wins", meta: metaWith(5, 1), cfgMax: 2, ownMax: 6, wantOldest: 1},
		{name: "max 1 keeps only the new one", meta: metaWith(1, 0), cfgMax: 1, wantOldest: 2, wantPruned: []uint64{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.meta != nil {
				tc.meta.MaxVersions = tc.ownMax
			}
			st := State{Config: kvevent.Config{MaxVersions: tc.cfgMax}, Meta: tc.meta, Now: t0}
			events, w, err := DecideWrite(st, Write{Secret: sec, Value: []byte(`{}`), Sealer: &fakeSealer{}})
			require.NoError(t, err)
			written := payload[kvevent.VersionWritten](t, events[0])
			assert.Equal(t, tc.wantOldest, written.OldestVersion)
			var pruned []uint64
			var wantKeys []string
			for i, e := range events[1:] {
				require.Equal(t, kvevent.EventVersionDestroyed, e.Type)
				assert.Equal(t, events[0].Version+uint64(i)+1, e.Version, "one aggregate, consecutive versions")
				d := payload[kvevent.VersionDestroyed](t, e)
				assert.True(t, d.Pruned)
				assert.Equal(t, fmt.Sprintf("key-%d", d.Version), d.DataKey)
				pruned = append(pruned, d.Version)
				wantKeys = append(wantKeys, d.DataKey)
			}
			assert.Equal(t, tc.wantPruned, pruned)
			assert.Equal(t, wantKeys, w.Erase, "pruned versions' data keys are erased")
		})
	}
}

func TestDecideWriteDeleteVersionAfter(t *testing.T) {
	cases := []struct {
		name    string
		mount   time.Duration
		own     time.Duration
		wantDel time.Duration // 0: none
	}{
		{name: "none"},
		{name: "mount only", mount: time.Hour, wantDel: time.Hour},
		{name: "secret only", own: time.Minute, wantDel: time.Minute},
		{name: "smaller wins (mount)", mount: time.Minute, own: time.Hour, wantDel: time.Minute},
		{name: "smaller wins (secret)", mount: time.Hour, own: time.Minute, wantDel: time.Minute},
		{name: "disabled on mount", mount: kvevent.DeleteVersionAfterDisabled, own: time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := metaWith(1, 0)
			m.DeleteVersionAfter = tc.own
			st := State{Config: kvevent.Config{DeleteVersionAfter: tc.mount}, Meta: m, Now: t0}
			_, w, err := DecideWrite(st, Write{Secret: sec, Value: []byte(`{}`), Sealer: &fakeSealer{}})
			require.NoError(t, err)
			if tc.wantDel == 0 {
				assert.True(t, w.Meta.DeletionTime.IsZero())
				return
			}
			assert.Equal(t, t0.Add(tc.wantDel), w.Meta.DeletionTime)
			assert.True(t, w.Meta.Readable(t0.Add(tc.wantDel-time.Nanosecond)))
			assert.False(t, w.Meta.Readable(t0.Add(tc.wantDel+time.Nanosecond)), "reads as deleted once its deletion time passed")
		})
	}
}

func TestDecidePatch(t *testing.T) {
	current := []byte(`{"user":"app","pass":"old","nested":{"a":1,"b":2},"n":12345678901234567890}`)
	st := State{Meta: metaWith(2, 0), Version: 4, Now: t0}
	s := &fakeSealer{}
	patch := map[string]any{"pass": "new", "user": nil, "nested": map[string]any{"b": nil, "c": json.Number("3")}}
	events, w, err := DecidePatch(st, current, Patch{Secret: sec, Patch: patch, CAS: i64(2), Sealer: s})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), w.Version)
	p := payload[kvevent.VersionWritten](t, events[0])
	assert.True(t, p.Patched)
	aad := kvevent.ValueAAD(sec.Mount, sec.Path, 3)
	sealed := string(p.Ciphertext[len(aad):])
	assert.JSONEq(t, `{"pass":"new","nested":{"a":1,"c":3},"n":12345678901234567890}`, sealed)
	assert.Contains(t, sealed, "12345678901234567890", "numbers keep their exact digits")

	t.Run("missing secret", func(t *testing.T) {
		_, _, err := DecidePatch(State{Now: t0}, nil, Patch{Secret: sec, Patch: patch, Sealer: s})
		require.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("cas mismatch", func(t *testing.T) {
		_, _, err := DecidePatch(st, current, Patch{Secret: sec, Patch: patch, CAS: i64(1), Sealer: s})
		require.ErrorIs(t, err, ErrCASMismatch)
	})
	t.Run("cas required", func(t *testing.T) {
		req := st
		req.Config.CASRequired = true
		_, _, err := DecidePatch(req, current, Patch{Secret: sec, Patch: patch, Sealer: s})
		require.ErrorIs(t, err, ErrCASRequired)
	})
	t.Run("deleted current version", func(t *testing.T) {
		m := metaWith(2, 0)
		vm := m.Versions[2]
		vm.DeletionTime = t0.Add(-time.Second)
		m.Versions[2] = vm
		m.CustomMetadata = map[string]string{"owner": "ops"}
		_, _, err := DecidePatch(State{Meta: m, Now: t0}, current, Patch{Secret: sec, Patch: patch, Sealer: s})
		var gone *UnavailableError
		require.ErrorAs(t, err, &gone)
		require.ErrorIs(t, err, ErrVersionUnavailable)
		assert.Equal(t, uint64(2), gone.Version)
		assert.Equal(t, vm.DeletionTime, gone.Meta.DeletionTime)
		assert.Equal(t, "ops", gone.CustomMetadata["owner"])
	})
	t.Run("unreadable value counts as gone", func(t *testing.T) {
		_, _, err := DecidePatch(st, nil, Patch{Secret: sec, Patch: patch, Sealer: s})
		require.ErrorIs(t, err, ErrVersionUnavailable)
	})
}

func TestMergePatchRFC7396(t *testing.T) {
	// Examples from RFC 7396, appendix A.
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tc := range cases {
		var target, patch any
		require.NoError(t, json.Unmarshal([]byte(tc.target), &target))
		require.NoError(t, json.Unmarshal([]byte(tc.patch), &patch))
		got, err := json.Marshal(mergePatch(target, patch))
		require.NoError(t, err)
		assert.JSONEq(t, tc.want, string(got), "%s + %s", tc.target, tc.patch)
	}
}
