package kv

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// mounts is an EventContext knowing one v1 mount.
type mounts struct{}

func (mounts) MountByAccessor(string) (framework.MountRef, bool) {
	return framework.MountRef{Path: "kv/", Type: "kv", Accessor: "kv_1"}, true
}
func (mounts) MountByPath(string) (framework.MountRef, bool) { return framework.MountRef{}, false }
func (mounts) WasHTTPDelete(string) bool                     { return false }
func (mounts) LeaseOwner(string) string                      { return "" }

func TestVersion1EventsHaveVaultsKVv1Names(t *testing.T) {
	rec := func(typ string, payload any) *ledger.Record {
		b, err := json.Marshal(payload)
		require.NoError(t, err)
		return &ledger.Record{Event: ledger.Event{Type: typ, Data: b}}
	}
	for _, tc := range []struct {
		rec  *ledger.Record
		want string
	}{
		{rec(kvevent.EventVersionWritten, kvevent.VersionWritten{Mount: "kv_1", Path: "app/db", Version: 2, Version1: true}), "kv-v1/write"},
		{rec(kvevent.EventMetadataDeleted, kvevent.MetadataDeleted{Mount: "kv_1", Path: "app/db", Version1: true}), "kv-v1/delete"},
	} {
		e, ok := mapEvent(mounts{}, tc.rec)
		require.True(t, ok)
		require.Equal(t, tc.want, e.Type)
		require.Equal(t, "kv/app/db", e.Path)
		require.Equal(t, "kv/app/db", e.DataPath, "a v1 subscriber's ACL is checked on the v1 path")
	}
	pruned := rec(kvevent.EventVersionDestroyed, kvevent.VersionDestroyed{Mount: "kv_1", Path: "app/db", Version: 1, Pruned: true})
	_, ok := mapEvent(mounts{}, pruned)
	require.False(t, ok, "the overwritten value's erasure is housekeeping, not an event")
}
