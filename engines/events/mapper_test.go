package events

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// secret is planted in every secret-bearing field of the payloads below;
// no published event may contain it.
const secret = "SUPERSECRET-do-not-publish"

func record(seq uint64, pos int, typ string, data any) ledger.Record {
	e := ledger.NewEvent(typ, 1, data)
	e.Actor, e.RequestID = "acc-writer", "req-"+typ
	return ledger.Record{Event: e, Seq: seq, Pos: pos}
}

func testMapper(t *testing.T) *mapper {
	t.Helper()
	m := newMapper("coffer://test", newMountCache(nil), eventMaps(testMaps), framework.Deps{})
	for i, en := range []mountevent.Enabled{
		{Path: "secret/", Type: "kv", Accessor: "kv_1"},
		{Path: "transit/", Type: "transit", Accessor: "transit_1"},
		{Path: "database/", Type: "database", Accessor: "db_1"},
	} {
		rec := record(1, i, mountevent.EventEnabled, en)
		m.mounts.learn(&rec)
	}
	return m
}

func TestMapperTypesAndPaths(t *testing.T) {
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name              string
		rec               ledger.Record
		typ, path, dpath  string
		mountPath, plugin string
		meta              map[string]string
	}{
		{"kv write", record(7, 0, kvevent.EventVersionWritten, kvevent.VersionWritten{Mount: "kv_1", Path: "app/db", Version: 3, OldestVersion: 1, Ciphertext: []byte(secret), DataKey: secret}),
			"kv-v2/data-write", "secret/data/app/db", "secret/data/app/db", "secret/", "kv", map[string]string{"current_version": "3", "oldest_version": "1", "operation": "data-write"}},
		{"kv patch", record(7, 1, kvevent.EventVersionWritten, kvevent.VersionWritten{Mount: "kv_1", Path: "app", Version: 4, Patched: true, Ciphertext: []byte(secret)}),
			"kv-v2/data-patch", "secret/data/app", "secret/data/app", "secret/", "kv", map[string]string{"current_version": "4"}},
		{"kv delete versions", record(8, 0, kvevent.EventVersionsDeleted, kvevent.VersionsDeleted{Mount: "kv_1", Path: "app", Versions: []kvevent.VersionDeletion{{Version: 1}, {Version: 2}}}),
			"kv-v2/delete", "secret/delete/app", "secret/data/app", "secret/", "kv", map[string]string{"deleted_versions": "1,2"}},
		{"kv undelete", record(8, 1, kvevent.EventVersionsUndeleted, kvevent.VersionsUndeleted{Mount: "kv_1", Path: "app", Versions: []kvevent.VersionDeletion{{Version: 2}}}),
			"kv-v2/undelete", "secret/undelete/app", "secret/data/app", "secret/", "kv", map[string]string{"undeleted_versions": "2"}},
		{"kv destroy", record(9, 0, kvevent.EventVersionDestroyed, kvevent.VersionDestroyed{Mount: "kv_1", Path: "app", Version: 2, DataKey: secret}),
			"kv-v2/destroy", "secret/destroy/app", "secret/data/app", "secret/", "kv", map[string]string{"destroyed_versions": "2"}},
		{"kv metadata write", record(9, 1, kvevent.EventMetadataWritten, kvevent.MetadataWritten{Mount: "kv_1", Path: "app", CustomMetadata: map[string]string{"owner": secret}}),
			"kv-v2/metadata-write", "secret/metadata/app", "secret/data/app", "secret/", "kv", nil},
		{"kv metadata delete", record(9, 2, kvevent.EventMetadataDeleted, kvevent.MetadataDeleted{Mount: "kv_1", Path: "app", DataKeys: []string{secret}}),
			"kv-v2/metadata-delete", "secret/metadata/app", "secret/data/app", "secret/", "kv", nil},
		{"policy", record(10, 0, policyevent.EventWritten, policyevent.Written{Name: "ops", Text: secret}),
			"policy/written", "sys/policies/acl/ops", "sys/policies/acl/ops", "sys/", "system", map[string]string{"name": "ops"}},
		{"policy deleted", record(10, 1, policyevent.EventDeleted, policyevent.Deleted{Name: "ops"}),
			"policy/deleted", "sys/policies/acl/ops", "sys/policies/acl/ops", "sys/", "system", nil},
		{"token created", record(11, 0, tokenevent.EventCreated, tokenevent.Created{Accessor: "acc-9", Policies: []string{"a", "b"}, Path: "auth/token/create", Type: "service", TTL: 60, Meta: map[string]string{"k": secret}}),
			"token/created", "auth/token/create", "auth/token/accessors/acc-9", "auth/token/", "token", map[string]string{"accessor": "acc-9", "policies": "a,b", "ttl": "60", "orphan": "true"}},
		{"token revoked", record(11, 1, tokenevent.EventRevoked, tokenevent.Revoked{Accessor: "acc-9", Reason: "revoked", Target: secret}),
			"token/revoked", "auth/token/revoke-accessor", "auth/token/accessors/acc-9", "auth/token/", "token", map[string]string{"reason": "revoked"}},
		{"db creds", withAggregate(record(12, 0, leaseevent.EventIssued, leaseevent.PendingData{ID: "database/creds/ro/XYZ", Engine: "database", MountAccessor: "db_1", MountPath: "database/", Path: "creds/ro", ExpireAt: exp, TTL: time.Hour, RevokeData: json.RawMessage(`{"password":"` + secret + `"}`)}), "database/creds/ro/XYZ"),
			"database/creds-create", "database/creds/ro", "database/creds/ro", "database/", "database", map[string]string{"lease_id": "database/creds/ro/XYZ", "ttl": "3600", "expire_time": "2030-01-01T00:00:00Z"}},
		{"lease renewed", withAggregate(record(12, 1, leaseevent.EventRenewed, leaseevent.RenewedData{ExpireAt: exp}), "database/creds/ro/XYZ"),
			"lease/renewed", "database/creds/ro", "database/creds/ro", "database/", "database", map[string]string{"lease_id": "database/creds/ro/XYZ"}},
		{"lease revoked", withAggregate(record(12, 2, leaseevent.EventRevoked, leaseevent.RevokedData{Reason: "expired"}), "database/creds/ro/XYZ"),
			"lease/revoked", "database/creds/ro", "database/creds/ro", "database/", "database", map[string]string{"reason": "expired"}},
		{"transit rotated", record(13, 0, transitevent.EventKeyRotated, transitevent.KeyRotated{Mount: "transit_1", Name: "orders", DataKey: secret, Next: transitevent.VersionRecord{Version: 2, Material: []byte(secret)}}),
			"transit/key-rotated", "transit/keys/orders/rotate", "transit/keys/orders", "transit/", "transit", map[string]string{"latest_version": "2", "name": "orders"}},
		{"transit deleted", record(13, 1, transitevent.EventKeyDeleted, transitevent.KeyDeleted{Mount: "transit_1", Name: "orders", DataKey: secret}),
			"transit/key-deleted", "transit/keys/orders", "transit/keys/orders", "transit/", "transit", nil},
		{"mount enabled", record(14, 0, mountevent.EventEnabled, mountevent.Enabled{Path: "kv2/", Type: "kv-v2", Accessor: "kv_2"}),
			"mount/enabled", "sys/mounts/kv2", "sys/mounts/kv2", "sys/", "system", map[string]string{"mount_type": "kv-v2"}},
		{"audit device", record(15, 0, auditevent.EventEnabled, auditevent.Device{Path: "file/", Type: "file", Options: map[string]string{"file_path": "/var/" + secret}}),
			"audit/device-enabled", "sys/audit/file", "sys/audit/file", "sys/", "system", nil},
	}
	m := testMapper(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := m.mapRecord(&c.rec)
			require.NotNil(t, p)
			assert.Equal(t, c.typ, p.typ)
			assert.Equal(t, c.path, p.path)
			assert.Equal(t, c.dpath, p.dataPath)
			assert.NotContains(t, string(p.json), secret)
			var ev Event
			require.NoError(t, json.Unmarshal(p.json, &ev))
			assert.Equal(t, c.rec.ID, ev.ID)
			assert.Equal(t, "coffer://test", ev.Source)
			assert.Equal(t, "1.0", ev.SpecVersion)
			assert.Equal(t, c.typ, ev.Type)
			assert.Equal(t, c.typ, ev.Data.EventType)
			assert.Equal(t, c.mountPath, ev.Data.PluginInfo.MountPath)
			assert.Equal(t, c.plugin, ev.Data.PluginInfo.Plugin)
			assert.Equal(t, c.rec.Seq, ev.Data.LedgerIndex)
			assert.Equal(t, Cursor{Seq: c.rec.Seq, Pos: c.rec.Pos}.String(), ev.Data.Cursor)
			assert.Equal(t, "acc-writer", ev.Data.Actor)
			assert.Equal(t, c.path, ev.Data.Event.Metadata["path"])
			assert.Equal(t, c.dpath, ev.Data.Event.Metadata["data_path"])
			for k, v := range c.meta {
				assert.Equal(t, v, ev.Data.Event.Metadata[k], k)
			}
		})
	}
}

func withAggregate(r ledger.Record, id string) ledger.Record {
	r.Kind, r.Aggregate = leaseevent.Kind, id
	return r
}

func TestMapperSkipsPrivateRecords(t *testing.T) {
	m := testMapper(t)
	for _, rec := range []ledger.Record{
		record(1, 0, auditevent.EventRequest, map[string]any{"request": map[string]any{"path": "secret/data/x"}}),
		record(1, 1, auditevent.EventResponse, map[string]any{}),
		record(1, 2, leaseevent.EventPending, leaseevent.PendingData{ID: "x/y/z"}),
		record(1, 3, tokenevent.EventRenewed, tokenevent.Renewed{TTL: 5}),
		record(1, 4, kvevent.EventVersionDestroyed, kvevent.VersionDestroyed{Mount: "kv_1", Path: "a", Version: 1, Pruned: true}),
		record(1, 5, "something.unknown", map[string]string{"x": secret}),
	} {
		assert.Nil(t, m.mapRecord(&rec), rec.Type)
	}
}

// A soft delete through HTTP DELETE on data/ is Vault's data-delete; the
// mapper learns which requests were DELETEs from their audit records,
// which the gateway appends before the domain event.
func TestMapperDataDeleteFromAuditRequest(t *testing.T) {
	m := testMapper(t)
	audit := record(20, 0, auditevent.EventRequest, map[string]any{"request": map[string]any{"id": "req-del", "operation": "delete", "path": "secret/data/app"}})
	require.Nil(t, m.mapRecord(&audit))
	del := record(21, 0, kvevent.EventVersionsDeleted, kvevent.VersionsDeleted{Mount: "kv_1", Path: "app", Versions: []kvevent.VersionDeletion{{Version: 3}}})
	del.RequestID = "req-del"
	p := m.mapRecord(&del)
	require.NotNil(t, p)
	assert.Equal(t, "kv-v2/data-delete", p.typ)
	assert.Equal(t, "secret/data/app", p.path)

	other := del
	other.RequestID = "req-post"
	assert.Equal(t, "kv-v2/delete", m.mapRecord(&other).typ)
}

func TestMapperUnknownMountStillMaps(t *testing.T) {
	m := newMapper("coffer://test", newMountCache(nil), eventMaps(testMaps), framework.Deps{})
	rec := record(3, 0, kvevent.EventVersionWritten, kvevent.VersionWritten{Mount: "kv_gone", Path: "a", Version: 1})
	p := m.mapRecord(&rec)
	require.NotNil(t, p)
	assert.Equal(t, "kv-v2/data-write", p.typ)
	assert.Equal(t, "kv_gone", p.event.Data.PluginInfo.MountAccessor)
	assert.Equal(t, "data/a", p.dataPath, "without a mount path the data path cannot match a real ACL path")
}
