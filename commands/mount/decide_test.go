package mount

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/mountstore"
)

func table(paths ...string) State {
	s := State{Versions: map[string]uint64{}, TableVersion: 7}
	for _, p := range paths {
		s.Mounts = append(s.Mounts, mountstore.Mount{Path: p, Type: "kv", Accessor: "kv_" + p})
		s.Versions[p] = 3
	}
	return s
}

func enable(path, typ string) Enable {
	return Enable{Path: path, Type: typ, Accessor: "kv_12345678", UUID: "u", At: time.Unix(100, 0)}
}

func refusalOf(t *testing.T, err error) *Refusal {
	t.Helper()
	var r *Refusal
	require.True(t, errors.As(err, &r), "want a *Refusal, got %v", err)
	return r
}

func TestNormalizePath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "secret", want: "secret/"},
		{in: "/secret/", want: "secret/"},
		{in: "//team/kv", want: "team/kv/"},
		{in: "", bad: true},
		{in: "/", bad: true},
		{in: "a//b", bad: true},
		{in: "a/../b", bad: true},
		{in: "a/./b", bad: true},
		{in: "a\tb", bad: true},
	} {
		got, err := NormalizePath(tc.in)
		if tc.bad {
			assert.ErrorIs(t, err, ErrInvalidPath, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestEnableRefusesReservedPaths(t *testing.T) {
	for _, p := range []string{"sys", "sys/foo", "auth/userpass", "cubbyhole", "identity/x", "audit"} {
		_, err := DecideEnable(table(), enable(p, "kv"))
		assert.ErrorIs(t, err, ErrReservedPath, p)
	}
	_, err := DecideEnable(table(), enable("sys", "kv"))
	assert.Equal(t, `cannot mount "sys/"`, refusalOf(t, err).Message)
	// "system/" only shares letters with "sys/": not reserved.
	_, err = DecideEnable(table(), enable("system", "kv"))
	assert.NoError(t, err)
}

func TestEnablePathConflicts(t *testing.T) {
	s := table("secret/", "team/a/")
	for _, tc := range []struct {
		path     string
		conflict string // "" when allowed
	}{
		{"secret", "secret/"},     // same path
		{"secret/sub", "secret/"}, // under an existing mount
		{"team", "team/a/"},       // above an existing mount
		{"team/a/b/c", "team/a/"}, // deep under
		{"secret2", ""},           // sibling sharing a prefix of letters
		{"team/b", ""},            // sibling under a common non-mount parent
		{"sec", ""},               // letters only, not a path prefix
		{"teams/a", ""},           // likewise
	} {
		events, err := DecideEnable(s, enable(tc.path, "kv"))
		if tc.conflict == "" {
			require.NoError(t, err, tc.path)
			assert.Len(t, events, 2, tc.path)
			continue
		}
		assert.ErrorIs(t, err, ErrPathInUse, tc.path)
		assert.Equal(t, "path is already in use at "+tc.conflict, refusalOf(t, err).Message, tc.path)
	}
}

func TestEnableEvents(t *testing.T) {
	s := table("other/")
	s.Versions["secret/"] = 2 // mounted and disabled before
	c := enable("/secret", "kv-v2")
	c.Description = "kv"
	c.DefaultLeaseTTL, c.MaxLeaseTTL = time.Hour, 2*time.Hour
	events, err := DecideEnable(s, c)
	require.NoError(t, err)
	require.Len(t, events, 2)

	assert.Equal(t, mountevent.EventEnabled, events[0].Type)
	assert.Equal(t, mountevent.Kind, events[0].Kind)
	assert.Equal(t, "secret/", events[0].Aggregate)
	assert.Equal(t, uint64(3), events[0].Version)
	var e mountevent.Enabled
	require.NoError(t, json.Unmarshal(events[0].Data, &e))
	assert.Equal(t, "kv", e.Type)
	assert.Equal(t, map[string]string{"version": "2"}, e.Options)
	assert.Equal(t, mountevent.Config{DefaultLeaseTTL: 3600, MaxLeaseTTL: 7200}, e.Config)
	assert.Equal(t, "kv_12345678", e.Accessor)

	assert.Equal(t, mountevent.EventTableRevised, events[1].Type)
	assert.Equal(t, mountevent.TableKind, events[1].Kind)
	assert.Equal(t, uint64(8), events[1].Version)
}

func TestEnableTypesAndOptions(t *testing.T) {
	for _, tc := range []struct {
		typ     string
		options map[string]string
		reason  error
		msg     string
		want    map[string]string
	}{
		{typ: "", reason: ErrInvalidType, msg: "backend type must be specified as a string"},
		{typ: "token", reason: ErrInvalidType, msg: `mount type of "token" is not mountable`},
		{typ: "system", reason: ErrInvalidType, msg: `mount type of "system" is not mountable`},
		{typ: "transit", options: map[string]string{"version": "2"}, reason: ErrInvalidType, msg: `secrets engine "transit" does not allow setting a version`},
		{typ: "kv", options: map[string]string{"version": "3"}, reason: ErrInvalidConfig, msg: "invalid version provided: 3"},
		{typ: "kv-v1", want: map[string]string{"version": "1"}},
		{typ: "kv", options: map[string]string{"version": "2"}, want: map[string]string{"version": "2"}},
		{typ: "transit"},
	} {
		c := enable("x", tc.typ)
		c.Options = tc.options
		events, err := DecideEnable(table(), c)
		if tc.reason != nil {
			assert.ErrorIs(t, err, tc.reason, tc.typ)
			assert.Equal(t, tc.msg, refusalOf(t, err).Message, tc.typ)
			continue
		}
		require.NoError(t, err, tc.typ)
		var e mountevent.Enabled
		require.NoError(t, json.Unmarshal(events[0].Data, &e))
		assert.Equal(t, tc.want, e.Options, tc.typ)
	}
}

func TestEnableTTLs(t *testing.T) {
	c := enable("x", "kv")
	c.DefaultLeaseTTL, c.MaxLeaseTTL = 2*time.Hour, time.Hour
	_, err := DecideEnable(table(), c)
	assert.Equal(t, "given default lease TTL greater than given max lease TTL", refusalOf(t, err).Message)

	c.DefaultLeaseTTL, c.MaxLeaseTTL = 800*time.Hour, 0
	_, err = DecideEnable(table(), c)
	assert.Equal(t, "given default lease TTL greater than system max lease TTL of 2764800", refusalOf(t, err).Message)

	c.DefaultLeaseTTL, c.MaxLeaseTTL = 800*time.Hour, 900*time.Hour
	_, err = DecideEnable(table(), c)
	assert.NoError(t, err)
}

func TestEnableNeedsIdentity(t *testing.T) {
	_, err := DecideEnable(table(), Enable{Path: "x", Type: "kv"})
	require.Error(t, err)
	var r *Refusal
	assert.False(t, errors.As(err, &r), "a missing accessor is a programming error, not a refusal")
	c := NewEnable(Enable{Path: "x", Type: "kv-v2"})
	assert.Regexp(t, `^kv_[0-9a-f]{8}$`, c.Accessor)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, c.UUID)
	_, err = DecideEnable(table(), c)
	assert.NoError(t, err)
}

func TestDisable(t *testing.T) {
	s := table("secret/", "team/a/")
	events, err := DecideDisable(s, Disable{Path: "/team/a"})
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, mountevent.EventDisabled, events[0].Type)
	assert.Equal(t, "team/a/", events[0].Aggregate)
	assert.Equal(t, uint64(4), events[0].Version)
	var d mountevent.Disabled
	require.NoError(t, json.Unmarshal(events[0].Data, &d))
	assert.Equal(t, "kv_team/a/", d.Accessor)
	assert.Equal(t, mountevent.EventTableRevised, events[1].Type)

	for _, p := range []string{"team", "secret/sub", "nothing"} {
		events, err := DecideDisable(s, Disable{Path: p})
		assert.NoError(t, err, p)
		assert.Empty(t, events, "only an exact mount is disabled: %s", p)
	}
	_, err = DecideDisable(s, Disable{Path: "sys"})
	assert.Equal(t, `cannot unmount "sys/"`, refusalOf(t, err).Message)
}

func ptr[T any](v T) *T { return &v }

func decodeTuned(t *testing.T, events []ledger.Event) mountevent.Tuned {
	t.Helper()
	require.Len(t, events, 1)
	require.Equal(t, mountevent.EventTuned, events[0].Type)
	var e mountevent.Tuned
	require.NoError(t, json.Unmarshal(events[0].Data, &e))
	return e
}

func TestTune(t *testing.T) {
	s := table("secret/", "secret-other/")
	s.Mounts[0].Options = map[string]string{"version": "1", "keep": "x", "drop": "y"}
	s.Mounts[0].Description = "old"
	s.Mounts[0].MaxLeaseTTL = 10 * time.Hour

	// A path under the mount tunes the mount (longest prefix, as Vault).
	events, err := DecideTune(s, Tune{Path: "secret/data/foo", Description: ptr("new"),
		DefaultLeaseTTL: ptr(time.Hour), Options: map[string]string{"version": "2", "drop": ""}})
	require.NoError(t, err)
	assert.Equal(t, "secret/", events[0].Aggregate)
	assert.Equal(t, uint64(4), events[0].Version)
	e := decodeTuned(t, events)
	assert.Equal(t, "new", e.Description)
	assert.Equal(t, mountevent.Config{DefaultLeaseTTL: 3600, MaxLeaseTTL: 36000}, e.Config)
	assert.Equal(t, map[string]string{"version": "2", "keep": "x"}, e.Options)

	// Back to the system default with an explicit 0.
	e = decodeTuned(t, must(DecideTune(s, Tune{Path: "secret", MaxLeaseTTL: ptr(time.Duration(0))})))
	assert.Equal(t, int64(0), e.Config.MaxLeaseTTL)
	assert.Equal(t, "old", e.Description, "untouched fields keep their value")

	// Nothing changes: nothing to record.
	events, err = DecideTune(s, Tune{Path: "secret", Description: ptr("old"), Options: map[string]string{"keep": "x"}})
	require.NoError(t, err)
	assert.Empty(t, events)

	for _, tc := range []struct {
		tune Tune
		msg  string
	}{
		{Tune{Path: "nope"}, `tune of path "nope/" failed: no mount entry found`},
		{Tune{Path: "sys"}, `cannot tune "sys/"`},
		{Tune{Path: "secret", DefaultLeaseTTL: ptr(11 * time.Hour)}, "backend max lease TTL of 36000 would be less than backend default lease TTL of 39600"},
		{Tune{Path: "secret", Options: map[string]string{"version": "3"}}, "invalid version provided: 3"},
	} {
		_, err := DecideTune(s, tc.tune)
		assert.Equal(t, tc.msg, refusalOf(t, err).Message)
	}

	s.Mounts[0].Options = map[string]string{"version": "2"}
	_, err = DecideTune(s, Tune{Path: "secret", Options: map[string]string{"version": "1"}})
	assert.Equal(t, "cannot downgrade mount from version 2", refusalOf(t, err).Message)
}

func must(events []ledger.Event, err error) []ledger.Event {
	if err != nil {
		panic(err)
	}
	return events
}
