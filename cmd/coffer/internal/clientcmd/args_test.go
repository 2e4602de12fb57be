package clientcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArgsData(t *testing.T) {
	dir := t.TempDir()
	valueFile := filepath.Join(dir, "value.txt")
	require.NoError(t, os.WriteFile(valueFile, []byte("from-file\n"), 0o600))
	jsonFile := filepath.Join(dir, "data.json")
	require.NoError(t, os.WriteFile(jsonFile, []byte(`{"n": 12345678901234567890, "s": "x"}`), 0o600))

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string // JSON
	}{
		{"plain pairs", "", []string{"a=b", "c=d=e", "empty="}, `{"a":"b","c":"d=e","empty":""}`},
		{"value from file keeps contents verbatim", "", []string{"v=@" + valueFile}, `{"v":"from-file\n"}`},
		{"escaped at sign is literal", "", []string{`v=\@home`}, `{"v":"@home"}`},
		{"value from stdin", "s3cret", []string{"pw=-"}, `{"pw":"s3cret"}`},
		{"whole object from stdin", `{"a":1,"b":{"c":true}}`, []string{"-"}, `{"a":1,"b":{"c":true}}`},
		{"whole object from file keeps big numbers", "", []string{"@" + jsonFile}, `{"n":12345678901234567890,"s":"x"}`},
		{"object then override", `{"a":"1"}`, []string{"-", "b=2"}, `{"a":"1","b":"2"}`},
		{"repeated key becomes list", "", []string{"k=1", "k=2", "k=3"}, `{"k":["1","2","3"]}`},
		{"no args", "", nil, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgsData(strings.NewReader(tt.stdin), tt.args)
			require.NoError(t, err)
			b, err := json.Marshal(got)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
		})
	}
}

func TestParseArgsDataErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing equals", []string{"novalue"}, "format must be key=value"},
		{"stdin twice", []string{"a=-", "b=-"}, "stdin already consumed"},
		{"missing file", []string{"a=@/nonexistent/file"}, "error reading file"},
		{"bad json on stdin", []string{"-"}, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseArgsData(strings.NewReader("not json"), tt.args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestToQuery(t *testing.T) {
	q := toQuery(map[string]any{"a": "1", "b": []any{"x", "y"}})
	assert.Equal(t, map[string][]string{"a": {"1"}, "b": {"x", "y"}}, q)
	assert.Nil(t, toQuery(nil))
}

func TestParseKVFlags(t *testing.T) {
	m, err := parseKVFlags("metadata", []string{"a=b", "c=d=e", "e="})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "b", "c": "d=e", "e": ""}, m)
	_, err = parseKVFlags("metadata", []string{"nope"})
	assert.ErrorContains(t, err, "-metadata")
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90": 90 * time.Second, "1h30m": 90 * time.Minute, "2d": 48 * time.Hour, "0s": 0,
	} {
		got, err := parseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := parseDuration("soon")
	assert.Error(t, err)
}

func TestSplitVersions(t *testing.T) {
	assert.Equal(t, []string{"1", "2", "3"}, splitVersions([]string{"1,2", " 3 ", ""}))
}

func TestKVPathAPI(t *testing.T) {
	tests := []struct {
		kp     kvPath
		prefix string
		want   string
	}{
		{kvPath{"secret/", "secret/foo", true}, "data", "secret/data/foo"},
		{kvPath{"secret/", "secret/a/b", true}, "metadata", "secret/metadata/a/b"},
		{kvPath{"secret/", "secret", true}, "metadata", "secret/metadata"},
		{kvPath{"team/apps/", "team/apps/db", true}, "destroy", "team/apps/destroy/db"},
		{kvPath{"kv/", "kv/foo", false}, "data", "kv/foo"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.kp.api(tt.prefix))
	}
}
