package kv

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/kvevent"
)

func TestDecideWriteV1KeepsOnlyTheNewValue(t *testing.T) {
	for _, tc := range []struct {
		name       string
		meta       *kvevent.Metadata
		cfg        kvevent.Config
		wantErase  []string
		wantPruned []uint64
	}{
		{name: "new secret"},
		{name: "overwrite prunes the old value", meta: metaWith(1, 0), wantErase: []string{"key-1"}, wantPruned: []uint64{1}},
		{name: "the mount's kv config does not keep more", meta: metaWith(1, 0), cfg: kvevent.Config{MaxVersions: 10}, wantErase: []string{"key-1"}, wantPruned: []uint64{1}},
		{name: "a secret's own max_versions does not keep more", meta: func() *kvevent.Metadata { m := metaWith(2, 0); m.MaxVersions = 5; return m }(),
			wantErase: []string{"key-1", "key-2"}, wantPruned: []uint64{1, 2}},
		{name: "cas_required does not apply", meta: metaWith(1, 0), cfg: kvevent.Config{CASRequired: true}, wantErase: []string{"key-1"}, wantPruned: []uint64{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := State{Config: tc.cfg, Meta: tc.meta, Now: t0}
			events, w, err := DecideWriteV1(st, Write{Secret: sec, Value: []byte(`{"a":"b"}`), Sealer: &fakeSealer{}})
			require.NoError(t, err)
			require.Equal(t, tc.wantErase, w.Erase)
			written := payload[kvevent.VersionWritten](t, events[0])
			require.True(t, written.Version1, "subscribers see a kv-v1 write")
			var pruned []uint64
			for _, e := range events[1:] {
				d := payload[kvevent.VersionDestroyed](t, e)
				require.True(t, d.Pruned)
				pruned = append(pruned, d.Version)
			}
			require.Equal(t, tc.wantPruned, pruned)
		})
	}
	_, _, err := DecideWriteV1(State{Now: t0}, Write{Secret: sec, Value: []byte(`"x"`), Sealer: &fakeSealer{}})
	require.ErrorIs(t, err, ErrNotAnObject)
}

func TestDecideDeleteV1ErasesEveryKey(t *testing.T) {
	events, keys := DecideDeleteV1(State{Meta: metaWith(3, 2), Now: t0}, sec)
	require.Equal(t, []string{"key-2", "key-3"}, keys)
	require.True(t, payload[kvevent.MetadataDeleted](t, events[0]).Version1)
	events, _ = DecideDeleteV1(State{Now: t0}, sec)
	require.Empty(t, events, "deleting nothing records nothing")
}
