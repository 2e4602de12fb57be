package mountstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// tableOf builds a Table without pebble: Match only reads the in-memory
// copy.
func tableOf(paths ...string) *Table {
	t := NewTable(nil)
	byPath := map[string]Mount{}
	for _, p := range paths {
		byPath[p] = Mount{Path: p, Type: "kv", Accessor: "acc:" + p}
	}
	t.byPath.Store(&byPath)
	return t
}

func TestMatchLongestPrefix(t *testing.T) {
	tab := tableOf("secret/", "secret/team/", "kv/", "a/b/c/", "team-b/")
	for _, tc := range []struct {
		path, mount, rel string
	}{
		{"secret/data/foo", "secret/", "data/foo"},
		{"secret/team/data/foo", "secret/team/", "data/foo"},
		{"secret/team", "secret/team/", ""}, // "foo" means "foo/", as Vault's router
		{"secret/team/", "secret/team/", ""},
		{"secret/teams/x", "secret/", "teams/x"}, // a mount ends at a segment boundary
		{"secret", "secret/", ""},
		{"secret/", "secret/", ""},
		{"kv/metadata/", "kv/", "metadata/"},
		{"a/b/c/d/e", "a/b/c/", "d/e"},
		{"team-b/x", "team-b/", "x"},
		{"secretx/foo", "", ""},
		{"a/b/x", "", ""},
		{"team/x", "", ""},
		{"", "", ""},
		{"/", "", ""},
	} {
		m, rel, ok := tab.Match(tc.path)
		if tc.mount == "" {
			assert.False(t, ok, "%q should match nothing, got %q", tc.path, m.Path)
			continue
		}
		if assert.True(t, ok, tc.path) {
			assert.Equal(t, tc.mount, m.Path, tc.path)
			assert.Equal(t, "acc:"+tc.mount, m.Accessor, tc.path)
			assert.Equal(t, tc.rel, rel, tc.path)
		}
	}
}

func TestMatchEmptyTable(t *testing.T) {
	_, _, ok := NewTable(nil).Match("secret/foo")
	assert.False(t, ok)
}
