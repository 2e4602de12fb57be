package kv_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/testkit"
)

var versionMetadataKeys = []string{"created_time", "custom_metadata", "deletion_time", "destroyed", "version"}

func TestDataWriteAndReadShapes(t *testing.T) {
	e := startEngine(t)

	res := e.do(framework.UpdateOperation, "data/app/db", map[string]any{"data": map[string]any{"user": "app", "port": 5432, "big": json.Number("12345678901234567890")}})
	require.Equal(t, http.StatusOK, res.status, res.errs)
	assert.Equal(t, framework.CreateOperation, res.op, "a new secret needs create")
	assert.Equal(t, versionMetadataKeys, keysOf(res.data))
	assert.Contains(t, res.raw, `"custom_metadata":null`, "the Go client needs the key present")
	assert.Equal(t, float64(1), res.data["version"])
	assert.Equal(t, "", res.data["deletion_time"])
	assert.Equal(t, false, res.data["destroyed"])
	created, err := time.Parse(time.RFC3339Nano, res.data["created_time"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), created, time.Minute)

	res = e.do(framework.UpdateOperation, "data/app/db", map[string]any{"data": map[string]any{"user": "app2"}})
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, framework.UpdateOperation, res.op, "an existing secret needs update")
	assert.Equal(t, float64(2), res.data["version"])

	res = e.do(framework.ReadOperation, "data/app/db", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, []string{"data", "metadata"}, keysOf(res.data))
	assert.Equal(t, map[string]any{"user": "app2"}, res.data["data"])
	md := res.data["metadata"].(map[string]any)
	assert.Equal(t, versionMetadataKeys, keysOf(md))
	assert.Equal(t, float64(2), md["version"])

	res = e.do(framework.ReadOperation, "data/app/db", map[string]any{"version": "1"})
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.raw, `"big":12345678901234567890`, "numbers come back digit for digit")
	assert.Contains(t, res.raw, `"port":5432`)

	for name, tc := range map[string]struct {
		path   string
		query  map[string]any
		status int
	}{
		"missing secret":           {"data/nope", nil, http.StatusNotFound},
		"missing version":          {"data/app/db", map[string]any{"version": "9"}, http.StatusNotFound},
		"bad version":              {"data/app/db", map[string]any{"version": "x"}, http.StatusBadRequest},
		"a folder is not a secret": {"data/app", nil, http.StatusNotFound},
	} {
		res := e.do(framework.ReadOperation, tc.path, tc.query)
		assert.Equal(t, tc.status, res.status, name)
		if tc.status == http.StatusNotFound {
			assert.Empty(t, res.errs, "%s: Vault's 404 is {\"errors\":[]}", name)
		}
	}

	res = e.do(framework.UpdateOperation, "data/app/db", map[string]any{"options": map[string]any{}})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, []string{"no data provided"}, res.errs)
	res = e.do(framework.UpdateOperation, "data/app/db", map[string]any{"data": "text"})
	assert.Equal(t, http.StatusBadRequest, res.status)
	res = e.do(framework.ReadOperation, "data/app/", nil)
	assert.Equal(t, http.StatusNotFound, res.status, "data paths may not end in a slash")
}

func TestDataCheckAndSet(t *testing.T) {
	e := startEngine(t)
	write := func(cas any) result {
		return e.do(framework.UpdateOperation, "data/c", map[string]any{"data": map[string]any{"k": "v"}, "options": map[string]any{"cas": cas}})
	}
	require.Equal(t, http.StatusOK, write(0).status, "cas 0 creates")
	res := write(0)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, []string{"check-and-set parameter did not match the current version"}, res.errs)
	assert.Equal(t, http.StatusOK, write("1").status, "numeric strings are accepted")
	assert.Equal(t, http.StatusBadRequest, write("one").status)
	assert.Equal(t, []string{"error parsing check-and-set parameter"}, write("one").errs)

	res = e.do(framework.UpdateOperation, "config", map[string]any{"cas_required": true})
	require.Equal(t, http.StatusNoContent, res.status, res.errs)
	res = e.do(framework.UpdateOperation, "data/c", map[string]any{"data": map[string]any{"k": "v"}})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, []string{"check-and-set parameter required for this call"}, res.errs)
	assert.Equal(t, http.StatusOK, write(2).status)
}

func TestDataPatch(t *testing.T) {
	e := startEngine(t)
	e.write("p", map[string]any{"a": "1", "b": map[string]any{"c": "2", "d": "3"}})

	res := e.do(framework.PatchOperation, "data/p", map[string]any{"data": map[string]any{"a": nil, "b": map[string]any{"d": "4"}, "e": "5"}})
	require.Equal(t, http.StatusOK, res.status, res.errs)
	assert.Equal(t, versionMetadataKeys, keysOf(res.data))
	assert.Equal(t, float64(2), res.data["version"])
	res = e.do(framework.ReadOperation, "data/p", nil)
	assert.Equal(t, map[string]any{"b": map[string]any{"c": "2", "d": "4"}, "e": "5"}, res.data["data"])

	res = e.do(framework.PatchOperation, "data/p", map[string]any{"data": map[string]any{"x": "y"}}, contentType("application/json"))
	assert.Equal(t, http.StatusUnsupportedMediaType, res.status)
	res = e.do(framework.PatchOperation, "data/p", map[string]any{"data": map[string]any{"x": "y"}, "options": map[string]any{"cas": 1}})
	assert.Equal(t, http.StatusBadRequest, res.status, "stale cas")
	res = e.do(framework.PatchOperation, "data/p", map[string]any{"options": map[string]any{}})
	assert.Equal(t, []string{"no data provided"}, res.errs)
	res = e.do(framework.PatchOperation, "data/missing", map[string]any{"data": map[string]any{"x": "y"}})
	assert.Equal(t, http.StatusNotFound, res.status)

	require.Equal(t, http.StatusNoContent, e.do(framework.DeleteOperation, "data/p", nil).status)
	res = e.do(framework.PatchOperation, "data/p", map[string]any{"data": map[string]any{"x": "y"}})
	assert.Equal(t, http.StatusNotFound, res.status, "patching a deleted version")
	assert.Equal(t, versionMetadataKeys, keysOf(res.data), "the 404 carries the version's metadata")
	assert.NotEmpty(t, res.data["deletion_time"])
}

func TestDeletedAndDestroyedReadAs404WithMetadata(t *testing.T) {
	e := startEngine(t)
	e.write("s", map[string]any{"v": "1"})
	e.write("s", map[string]any{"v": "2"})
	e.write("s", map[string]any{"v": "3"})

	require.Equal(t, http.StatusNoContent, e.do(framework.DeleteOperation, "data/s", nil).status)
	res := e.do(framework.ReadOperation, "data/s", nil)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, res.raw, `"data":null`)
	md := res.data["metadata"].(map[string]any)
	assert.Equal(t, float64(3), md["version"])
	assert.NotEmpty(t, md["deletion_time"])
	assert.Equal(t, false, md["destroyed"])

	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "destroy/s", map[string]any{"versions": []any{2}}).status)
	res = e.do(framework.ReadOperation, "data/s", map[string]any{"version": "2"})
	assert.Equal(t, http.StatusNotFound, res.status)
	md = res.data["metadata"].(map[string]any)
	assert.Equal(t, true, md["destroyed"])
	assert.Equal(t, "", md["deletion_time"])

	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "undelete/s", map[string]any{"versions": "3,2"}).status)
	res = e.do(framework.ReadOperation, "data/s", nil)
	require.Equal(t, http.StatusOK, res.status, "undeleted")
	assert.Equal(t, map[string]any{"v": "3"}, res.data["data"])
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "data/s", map[string]any{"version": "2"}).status, "destroyed stays destroyed")

	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "delete/s", map[string]any{"versions": []any{"1", 3}}).status)
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "data/s", map[string]any{"version": "1"}).status)
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "data/s", nil).status)

	for _, p := range []string{"delete/s", "undelete/s"} {
		res := e.do(framework.UpdateOperation, p, map[string]any{})
		assert.Equal(t, []string{"No version number provided"}, res.errs, p)
	}
	assert.Equal(t, []string{"no version number provided"}, e.do(framework.UpdateOperation, "destroy/s", map[string]any{"versions": []any{}}).errs)
	assert.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "destroy/nothing-here", map[string]any{"versions": []any{1}}).status, "a missing secret is a no-op")
}

func TestDeleteVersionAfterIsComputedOnRead(t *testing.T) {
	e := startEngine(t)
	res := e.do(framework.UpdateOperation, "metadata/short", map[string]any{"delete_version_after": "300ms"})
	require.Equal(t, http.StatusNoContent, res.status, res.errs)
	assert.Equal(t, framework.CreateOperation, res.op)
	res = e.write("short", map[string]any{"k": "v"})
	deletion, err := time.Parse(time.RFC3339Nano, res.data["deletion_time"].(string))
	require.NoError(t, err)
	created, err := time.Parse(time.RFC3339Nano, res.data["created_time"].(string))
	require.NoError(t, err)
	assert.Equal(t, 300*time.Millisecond, deletion.Sub(created))

	require.Equal(t, http.StatusOK, e.do(framework.ReadOperation, "data/short", nil).status, "readable before its deletion time")
	testkit.Eventually(t, 10*time.Second, "the deletion time passes", func() bool {
		res = e.do(framework.ReadOperation, "data/short", nil)
		return res.status == http.StatusNotFound
	})
	assert.False(t, time.Now().Before(deletion), "deleted once the time passed, with no background job")
	assert.Equal(t, res.data["metadata"].(map[string]any)["deletion_time"], deletion.Format(time.RFC3339Nano))
}

func TestSubkeys(t *testing.T) {
	e := startEngine(t)
	e.write("sk", map[string]any{"foo": "abc", "bar": map[string]any{"baz": "def", "empty": map[string]any{}, "deep": map[string]any{"x": 1}}, "quux": []any{1, 2}})
	cases := []struct {
		depth string
		want  map[string]any
	}{
		{"", map[string]any{"foo": nil, "quux": nil, "bar": map[string]any{"baz": nil, "empty": nil, "deep": map[string]any{"x": nil}}}},
		{"1", map[string]any{"foo": nil, "quux": nil, "bar": nil}},
		{"2", map[string]any{"foo": nil, "quux": nil, "bar": map[string]any{"baz": nil, "empty": nil, "deep": nil}}},
	}
	for _, tc := range cases {
		q := map[string]any{}
		if tc.depth != "" {
			q["depth"] = tc.depth
		}
		res := e.do(framework.ReadOperation, "subkeys/sk", q)
		require.Equal(t, http.StatusOK, res.status, res.errs)
		assert.Equal(t, tc.want, res.data["subkeys"], "depth %q", tc.depth)
		assert.Equal(t, versionMetadataKeys, keysOf(res.data["metadata"].(map[string]any)))
		assert.NotContains(t, res.raw, "abc", "no values leak")
	}
	require.Equal(t, http.StatusNoContent, e.do(framework.DeleteOperation, "data/sk", nil).status)
	res := e.do(framework.ReadOperation, "subkeys/sk", nil)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, res.raw, `"subkeys":null`)
}
