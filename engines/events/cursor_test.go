package events

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "kv-v2/data-write", true},
		{"kv-v2/*", "kv-v2/data-write", true},
		{"kv-v2/*", "kv-v1/write", false},
		{"kv-v2/data-write", "kv-v2/data-write", true},
		{"kv-v2/data-write", "kv-v2/data-patch", false},
		{"*/data-*", "kv-v2/data-delete", true},
		{"*/data-*", "kv-v2/metadata-write", false},
		{"lease/*d", "lease/renewed", true},
		{"lease/*d", "lease/issued", true},
		{"lease/*d", "lease/revocation-failed", true},
		{"ab*b", "ab", false},
		{"a*ab", "ab", false},
		{"*ab*b", "xab", false},
		{"*ab*b", "xabb", true},
		{"audit.*", "audit.request", true},
		{"", "x", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, matchGlob(c.pattern, c.s), "%q ~ %q", c.pattern, c.s)
	}
}

func TestCursorRoundTripAndOrder(t *testing.T) {
	for _, s := range []string{"12", "12.0", "12.7", "0"} {
		c, err := ParseCursor(s)
		require.NoError(t, err)
		assert.Equal(t, s, c.String())
	}
	for _, bad := range []string{"", "x", "1.x", "-1", "1.-2", "1.2.3"} {
		_, err := ParseCursor(bad)
		assert.ErrorIs(t, err, ErrBadCursor, bad)
	}
	a, b, whole := Cursor{Seq: 5, Pos: 1}, Cursor{Seq: 5, Pos: 2}, MessageCursor(5)
	assert.True(t, a.Before(b))
	assert.True(t, b.Before(whole), "a whole message comes after each of its events")
	assert.True(t, whole.Before(Cursor{Seq: 6, Pos: 0}))
	assert.False(t, whole.Before(whole))
}

func TestParsePosition(t *testing.T) {
	p, err := parsePosition("42")
	require.NoError(t, err)
	assert.Equal(t, position{index: 42}, p)
	p, err = parsePosition("2024-05-01T10:00:00Z")
	require.NoError(t, err)
	assert.True(t, p.isTime)
	_, err = parsePosition("yesterday")
	assert.ErrorIs(t, err, ErrBadCursor)
}
