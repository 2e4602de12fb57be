package gateway

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
)

// TestAuditJSONIsEncodingJSONs: the hand encoder of audit records writes
// exactly the bytes json.Marshal writes, for records with every field
// set and unset, strings to escape (quotes, HTML characters, control
// characters, non-ASCII, invalid UTF-8, U+2028), nested data of every
// JSON type, numbers of several Go types and wrap info.
func TestAuditJSONIsEncodingJSONs(t *testing.T) {
	at := time.Date(2026, 12, 3, 14, 5, 6, 789000000, time.UTC)
	odd := []string{"", "plain", `quo"te`, `back\slash`, "<html>&", "a<b", "x>y", "p&q", "tab\there", "nl\n", "é unicode ☃", "bad \xff utf8", "sep \u2028", "\x00nul"}
	full := auditevent.Record{
		Time: at, Type: "response", Error: "permission denied <x>",
		Auth: &auditevent.Auth{ClientToken: "hmac-sha256:ab", Accessor: "hmac-sha256:cd", DisplayName: "token",
			Policies: []string{"default", "root"}, TokenPolicies: []string{"default"}, Metadata: map[string]string{"b": "2", "a": "1", "é": "x"},
			EntityID: "e1", TokenType: "service"},
		Request: auditevent.Request{ID: "req-1", Operation: "update", MountType: "transit", MountAccessor: "transit_1", MountPoint: "transit/",
			ClientToken: "hmac-sha256:ab", ClientTokenAccessor: "hmac-sha256:cd", Namespace: auditevent.RootNamespace, Path: "transit/encrypt/k",
			Data:          map[string]any{"z": "last", "a": []any{"x", 1, int64(2), 3.5, json.Number("4"), true, nil, map[string]any{}}, "m": map[string]any{"k": odd[3]}, "nilmap": map[string]any(nil)},
			RemoteAddress: "127.0.0.1:5000"},
		Response: &auditevent.Response{MountType: "transit", Data: map[string]any{"ciphertext": "hmac-sha256:ef", "key_version": 1, "f": 1e21, "u": uint64(7)},
			Auth:   &auditevent.Auth{ClientToken: "hmac-sha256:01", Policies: []string{"p"}},
			Secret: map[string]any{"lease_id": "pki/issue/r/abc"}, Warnings: []string{"w1", "w<2>"},
			WrapInfo: &auditevent.WrapInfo{Token: "hmac-sha256:02", Accessor: "hmac-sha256:03", TTL: 60, CreationTime: at, CreationPath: "sys/wrapping/wrap"}},
	}
	records := []auditevent.Record{
		full,
		{Time: at, Type: "request", Request: auditevent.Request{Namespace: auditevent.RootNamespace}},
		{Time: at.Add(time.Nanosecond), Type: "request", Auth: &auditevent.Auth{}, Request: auditevent.Request{ID: "x", Data: []any{}}, Response: &auditevent.Response{}},
		{Time: at, Type: "response", Request: auditevent.Request{Data: "just a string"}, Response: &auditevent.Response{Data: []any(nil), Secret: map[string]any{}, Warnings: []string{}}},
	}
	for _, s := range odd {
		records = append(records, auditevent.Record{Time: at, Type: s, Error: s,
			Auth:    &auditevent.Auth{DisplayName: s, Metadata: map[string]string{s: s}},
			Request: auditevent.Request{ID: s, Path: s, Data: map[string]any{s: s}}})
	}
	for i, rec := range records {
		want, err := json.Marshal(rec)
		require.NoError(t, err)
		got, err := appendRecord(nil, &rec)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "record %d", i)
	}

	// The event carries the record, its request id and its actor.
	e := auditEvent(auditevent.EventResponse, full)
	want, err := json.Marshal(full)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(e.Data))
	assert.Equal(t, "req-1", e.RequestID)
	assert.Equal(t, "hmac-sha256:cd", e.Actor)
	typ, ok := ledger.LookupEventType(auditevent.EventResponse)
	require.True(t, ok)
	assert.Equal(t, typ.Schema, e.Schema)
	assert.NotEmpty(t, e.ID)
}

// TestEnvelopeJSONIsEncodingJSONs: the response envelope's hand encoder
// writes exactly what json.Marshal writes, for data of every shape a
// handler returns (nested maps, numbers of several types, times, bytes,
// structs), with and without auth, wrap info, warnings and a lease.
func TestEnvelopeJSONIsEncodingJSONs(t *testing.T) {
	at := time.Date(2026, 12, 3, 14, 5, 6, 789, time.UTC)
	type custom struct {
		A string `json:"a"`
		B int
	}
	envs := []envelope{
		{RequestID: "r1", MountType: "kv"},
		{RequestID: "r2", LeaseID: "db/creds/r/x", Renewable: true, LeaseDuration: 3600, MountType: "database",
			Data: map[string]any{"username": "v-<x>&y", "password": "p\"w", "n": json.Number("12"), "f": 0.5, "i": 3, "u": uint32(4),
				"t": at, "b": []byte("raw"), "s": custom{A: "x", B: 2}, "l": []string{"a", "b"}, "m": map[string]string{"z": "1", "a": "2"},
				"nested": map[string]any{"data": map[string]any{"k": "v"}, "metadata": map[string]any{"version": json.Number("3"), "destroyed": false, "deletion_time": ""}},
				"nil":    nil, "empty": map[string]any{}, "list": []any{"é", nil, 1.5e300}},
			Warnings: []string{"w1", "w>2"}},
		{RequestID: "r3", Data: map[string]any{}, Warnings: []string{}, MountType: "token",
			Auth: &authBlock{ClientToken: "hvs.x", Accessor: "a", Policies: []string{"default"}, Metadata: map[string]string{"u": "v"}, LeaseDuration: 60, Renewable: true, TokenType: "service"}},
		{RequestID: "r4", WrapInfo: renderWrapInfo(&framework.WrapInfo{Token: "hvs.w", Accessor: "acc", TTL: time.Minute, CreationTime: at, CreationPath: "kv/data/x"})},
	}
	for i, env := range envs {
		want, err := json.Marshal(env)
		require.NoError(t, err)
		got, err := appendEnvelope(nil, &env)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "envelope %d", i)
	}
}
