package gateway

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "secret/data/foo", want: "secret/data/foo"},
		{in: "secret/metadata/", want: "secret/metadata/"},
		{in: "secret/data/a%20b", want: "secret/data/a b"},
		{in: "secret/data/../../sys/policy", bad: true},
		{in: "secret/./data", bad: true},
		{in: "secret//data", bad: true},
		{in: "secret/data/%2e%2e/x", bad: true},
		{in: "secret/data%2Ffoo", bad: true},
		{in: "secret/data/foo%00", bad: true},
		{in: "secret\\data", bad: true},
		{in: "secret/data/\xff", bad: true},
		{in: "secret/data/%ff", bad: true},
		{in: "secret/data/%zz", bad: true},
		{in: "", bad: true},
		{in: "/", bad: true},
		{in: "secret/data/a\x01", bad: true},
	} {
		got, err := canonicalPath(tc.in)
		if tc.bad {
			require.ErrorIs(t, err, ErrBadPath, "input %q gave %q", tc.in, got)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got)
	}
}

func TestJSONLimits(t *testing.T) {
	l := Limits{MaxBodyBytes: 1 << 20, MaxJSONDepth: 4, MaxStringBytes: 8, MaxObjectEntries: 3, MaxArrayElements: 3}
	for _, tc := range []struct {
		name, body string
		bad        bool
	}{
		{name: "ok", body: `{"a":{"b":[1,2,3]},"c":"12345678"}`},
		{name: "empty", body: ``},
		{name: "too deep", body: `{"a":{"b":{"c":{"d":{}}}}}`, bad: true},
		{name: "long string", body: `{"a":"123456789"}`, bad: true},
		{name: "long key", body: `{"123456789":1}`, bad: true},
		{name: "many entries", body: `{"a":1,"b":2,"c":3,"d":4}`, bad: true},
		{name: "many elements", body: `{"a":[1,2,3,4]}`, bad: true},
		{name: "not an object", body: `[1]`, bad: true},
		{name: "malformed", body: `{"a":`, bad: true},
		{name: "trailing", body: `{"a":1} {"b":2}`, bad: true},
	} {
		_, err := l.decodeBody([]byte(tc.body))
		if tc.bad {
			require.ErrorIs(t, err, ErrBadJSON, tc.name)
		} else {
			require.NoError(t, err, tc.name)
		}
	}
	_, err := l.decodeBody([]byte(strings.Repeat("[", 100)))
	require.Error(t, err)
}

// TestPathLimits: issue 10, item 14. Oversized names are refused before
// anything copies them; real paths fit.
func TestPathLimits(t *testing.T) {
	l := DefaultLimits
	require.NoError(t, l.checkPath("secret/data/"+strings.Repeat("a", 4000)))
	require.NoError(t, l.checkPath("secret/data/"+strings.Repeat("a/", 120)+"x"))
	require.ErrorIs(t, l.checkPath("secret/data/"+strings.Repeat("a", 500<<10)), ErrPathTooLong)
	require.ErrorIs(t, l.checkPath("secret/data/"+strings.Repeat("%41", 4096)), ErrPathTooLong)
	require.ErrorIs(t, l.checkPath("secret/data/"+strings.Repeat("a/", 130)), ErrPathTooLong)
	require.ErrorIs(t, Limits{MaxPathBytes: 10}.checkPath("secret/data/abc"), ErrPathTooLong)
}
