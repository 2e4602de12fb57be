package kv

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// transitions: versions 1..4 where 2 is deleted, 3 destroyed, 4 scheduled
// for deletion in the future by delete_version_after.
func transitionsState() State {
	m := metaWith(4, 0)
	v2 := m.Versions[2]
	v2.DeletionTime = t0.Add(-time.Hour)
	m.Versions[2] = v2
	v3 := m.Versions[3]
	v3.Destroyed = true
	m.Versions[3] = v3
	v4 := m.Versions[4]
	v4.DeletionTime = t0.Add(time.Hour)
	m.Versions[4] = v4
	return State{Meta: m, Version: 10, Now: t0}
}

func TestDecideDeleteVersions(t *testing.T) {
	st := transitionsState()
	cases := []struct {
		name     string
		versions []uint64
		want     []uint64
	}{
		{name: "live version", versions: []uint64{1}, want: []uint64{1}},
		{name: "already deleted is skipped", versions: []uint64{2}},
		{name: "destroyed is skipped", versions: []uint64{3}},
		{name: "future deadline can be deleted now", versions: []uint64{4}, want: []uint64{4}},
		{name: "missing is skipped", versions: []uint64{9}},
		{name: "repeats count once", versions: []uint64{1, 1, 4, 1}, want: []uint64{1, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events, err := DecideDeleteVersions(st, sec, tc.versions)
			require.NoError(t, err)
			if tc.want == nil {
				assert.Empty(t, events)
				return
			}
			require.Len(t, events, 1)
			assert.Equal(t, kvevent.EventVersionsDeleted, events[0].Type)
			assert.Equal(t, uint64(11), events[0].Version)
			p := payload[kvevent.VersionsDeleted](t, events[0])
			var got []uint64
			for _, d := range p.Versions {
				got = append(got, d.Version)
				assert.Equal(t, t0, d.DeletionTime)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := DecideDeleteVersions(st, sec, nil)
	require.ErrorIs(t, err, ErrNoVersions)
	events, err := DecideDeleteVersions(State{Now: t0}, sec, []uint64{1})
	require.NoError(t, err)
	assert.Empty(t, events, "deleting from a missing secret is a no-op")
}

func TestDecideDeleteLatest(t *testing.T) {
	st := transitionsState()
	events := DecideDeleteLatest(st, sec)
	require.Len(t, events, 1)
	p := payload[kvevent.VersionsDeleted](t, events[0])
	assert.Equal(t, []kvevent.VersionDeletion{{Version: 4, DeletionTime: t0}}, p.Versions)

	st.Meta.CurrentVersion = 2
	assert.Empty(t, DecideDeleteLatest(st, sec), "current already deleted")
	st.Meta.CurrentVersion = 3
	assert.Empty(t, DecideDeleteLatest(st, sec), "current destroyed")
	assert.Empty(t, DecideDeleteLatest(State{Now: t0}, sec), "no secret")
}

func TestDecideUndelete(t *testing.T) {
	st := transitionsState()
	events, err := DecideUndelete(st, sec, []uint64{1, 2, 3, 4, 9})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, kvevent.EventVersionsUndeleted, events[0].Type)
	p := payload[kvevent.VersionsUndeleted](t, events[0])
	// 1 has nothing to undo, 3 is destroyed, 9 does not exist.
	assert.Equal(t, []kvevent.VersionDeletion{{Version: 2}, {Version: 4}}, p.Versions)

	st.Config.DeleteVersionAfter = time.Minute
	events, err = DecideUndelete(st, sec, []uint64{2})
	require.NoError(t, err)
	p = payload[kvevent.VersionsUndeleted](t, events[0])
	assert.Equal(t, t0.Add(time.Minute), p.Versions[0].DeletionTime, "a fresh delete_version_after deadline from now")

	_, err = DecideUndelete(st, sec, nil)
	require.ErrorIs(t, err, ErrNoVersions)
}

func TestDecideDestroy(t *testing.T) {
	st := transitionsState()
	events, erase, err := DecideDestroy(st, sec, []uint64{1, 2, 3, 9, 1})
	require.NoError(t, err)
	require.Len(t, events, 2)
	var destroyed []uint64
	for i, e := range events {
		assert.Equal(t, kvevent.EventVersionDestroyed, e.Type)
		assert.Equal(t, uint64(11+i), e.Version)
		d := payload[kvevent.VersionDestroyed](t, e)
		assert.False(t, d.Pruned)
		assert.Equal(t, st.Meta.Versions[d.Version].DataKey, d.DataKey)
		destroyed = append(destroyed, d.Version)
	}
	assert.Equal(t, []uint64{1, 2}, destroyed, "a deleted version can be destroyed; destroyed and missing ones are skipped")
	assert.Equal(t, []string{"key-1", "key-2", "key-3"}, erase, "already destroyed version's key is erased again (repair)")

	_, _, err = DecideDestroy(st, sec, nil)
	require.ErrorIs(t, err, ErrNoVersions)
}
