package policy

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const readSecret = `path "secret/*" { capabilities = ["read"] }`

func refusalOf(t *testing.T, err error) *Refusal {
	t.Helper()
	var r *Refusal
	require.True(t, errors.As(err, &r), "want a *Refusal, got %v", err)
	return r
}

func TestWrite(t *testing.T) {
	events, err := DecideWrite(State{Exists: true, Version: 4}, Write{Name: "app-read", Text: readSecret})
	require.NoError(t, err)
	require.Len(t, events, 1)
	e := events[0]
	assert.Equal(t, policyevent.EventWritten, e.Type)
	assert.Equal(t, policyevent.Kind, e.Kind)
	assert.Equal(t, "app-read", e.Aggregate)
	assert.Equal(t, uint64(5), e.Version)
	var w policyevent.Written
	require.NoError(t, json.Unmarshal(e.Data, &w))
	assert.Equal(t, policyevent.Written{Name: "app-read", Text: readSecret}, w)
}

func TestWriteAcceptsBase64(t *testing.T) {
	events, err := DecideWrite(State{}, Write{Name: "b", Text: base64.StdEncoding.EncodeToString([]byte(readSecret))})
	require.NoError(t, err)
	var w policyevent.Written
	require.NoError(t, json.Unmarshal(events[0].Data, &w))
	assert.Equal(t, readSecret, w.Text)
}

func TestWriteRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		reason     error
		msg        string // exact, or prefix when prefix is set
		prefix     bool
	}{
		{name: "root", text: readSecret, reason: ErrImmutable, msg: `cannot update "root" policy`},
		// Issue 10, item 5: a name that normalises to another is refused,
		// not repaired, so a deny on .../admin covers every spelling.
		{name: "ROOT", text: readSecret, reason: ErrInvalidName, msg: "acl: invalid policy name", prefix: true},
		{name: "ADMIN", text: readSecret, reason: ErrInvalidName, msg: `"ADMIN" is not canonical`, prefix: true},
		{name: "admin ", text: readSecret, reason: ErrInvalidName, msg: "acl: invalid policy name", prefix: true},
		{name: " App-Read ", text: readSecret, reason: ErrInvalidName, msg: "acl: invalid policy name", prefix: true},
		{name: "response-wrapping", text: readSecret, reason: ErrImmutable, msg: `cannot update "response-wrapping" policy`},
		{name: "", text: readSecret, reason: ErrInvalidName, msg: "policy name must be provided in the URL"},
		{name: "a//b", text: readSecret, reason: ErrInvalidName, msg: "acl: invalid policy name", prefix: true},
		{name: "x", text: "", reason: ErrEmpty, msg: "'policy' parameter not supplied or empty"},
		{name: "x", text: "path \"a\" {\n  capabilities = [\"read\"\n", reason: ErrMalformed, msg: "failed to parse policy: 3:1: ", prefix: true},
		{name: "x", text: "path \"a\" {\n  capabilities = [\"reed\"]\n}", reason: ErrMalformed, msg: `failed to parse policy: 2:19: unknown capability "reed" in path "a"`},
	} {
		_, err := DecideWrite(State{}, Write{Name: tc.name, Text: tc.text})
		require.ErrorIs(t, err, tc.reason, "%q", tc.name)
		msg := refusalOf(t, err).Message
		if tc.prefix {
			assert.Contains(t, msg, tc.msg)
			assert.Regexp(t, `^(acl: |failed to parse policy: \d+:\d+: )`, msg)
		} else {
			assert.Equal(t, tc.msg, msg)
		}
	}
}

func TestWriteDefaultIsAllowed(t *testing.T) {
	events, err := DecideWrite(State{Exists: true}, Write{Name: "default", Text: readSecret})
	require.NoError(t, err)
	assert.Len(t, events, 1)
}

func TestDelete(t *testing.T) {
	events, err := DecideDelete(State{Exists: true, Version: 2}, Delete{Name: "app"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, policyevent.EventDeleted, events[0].Type)
	assert.Equal(t, "app", events[0].Aggregate)
	assert.Equal(t, uint64(3), events[0].Version)

	events, err = DecideDelete(State{}, Delete{Name: "missing"})
	require.NoError(t, err)
	assert.Empty(t, events, "deleting a missing policy succeeds without an event")

	for name, msg := range map[string]string{
		"default":           "cannot delete default policy",
		"root":              "cannot delete root policy",
		"response-wrapping": `cannot delete "response-wrapping" policy`,
	} {
		_, err := DecideDelete(State{Exists: true}, Delete{Name: name})
		assert.ErrorIs(t, err, ErrImmutable, name)
		assert.Equal(t, msg, refusalOf(t, err).Message, name)
	}
	for _, name := range []string{"Default", "ADMIN", "admin "} {
		_, err := DecideDelete(State{Exists: true}, Delete{Name: name})
		assert.ErrorIs(t, err, ErrInvalidName, name)
	}
}
