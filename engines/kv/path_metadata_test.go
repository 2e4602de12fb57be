package kv_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/internal/testkit"
)

var metadataKeys = []string{"cas_required", "created_time", "current_version", "custom_metadata", "delete_version_after", "max_versions", "oldest_version", "updated_time", "versions"}

func TestMetadataReadShape(t *testing.T) {
	e := startEngine(t)
	first := e.write("m", map[string]any{"k": "1"})
	second := e.write("m", map[string]any{"k": "2"})
	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "destroy/m", map[string]any{"versions": []any{1}}).status)

	res := e.do(framework.ReadOperation, "metadata/m", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, metadataKeys, keysOf(res.data))
	assert.Contains(t, res.raw, `"custom_metadata":null`)
	assert.Equal(t, float64(2), res.data["current_version"])
	assert.Equal(t, float64(0), res.data["oldest_version"])
	assert.Equal(t, float64(0), res.data["max_versions"])
	assert.Equal(t, false, res.data["cas_required"])
	assert.Equal(t, "0s", res.data["delete_version_after"])
	assert.Equal(t, first.data["created_time"], res.data["created_time"])
	assert.Equal(t, second.data["created_time"], res.data["updated_time"])
	versions := res.data["versions"].(map[string]any)
	assert.Equal(t, []string{"1", "2"}, keysOf(versions))
	v1 := versions["1"].(map[string]any)
	assert.Equal(t, []string{"created_time", "deletion_time", "destroyed"}, keysOf(v1))
	assert.Equal(t, true, v1["destroyed"])
	assert.Equal(t, false, versions["2"].(map[string]any)["destroyed"])

	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "metadata/none", nil).status)
}

func TestMetadataWritePatchAndValidation(t *testing.T) {
	e := startEngine(t)
	res := e.do(framework.UpdateOperation, "metadata/w", map[string]any{
		"max_versions": 4, "cas_required": true, "delete_version_after": "1h30m",
		"custom_metadata": map[string]any{"owner": "ops", "tier": 1},
	})
	require.Equal(t, http.StatusNoContent, res.status, res.errs)
	assert.Equal(t, framework.CreateOperation, res.op)

	res = e.do(framework.ReadOperation, "metadata/w", nil)
	assert.Equal(t, float64(4), res.data["max_versions"])
	assert.Equal(t, true, res.data["cas_required"])
	assert.Equal(t, "1h30m0s", res.data["delete_version_after"])
	assert.Equal(t, map[string]any{"owner": "ops", "tier": "1"}, res.data["custom_metadata"])
	assert.Equal(t, float64(0), res.data["current_version"])
	assert.Equal(t, map[string]any{}, res.data["versions"])
	assert.Equal(t, res.data["created_time"], res.data["updated_time"])

	res = e.do(framework.UpdateOperation, "data/w", map[string]any{"data": map[string]any{"a": "b"}})
	assert.Equal(t, []string{"check-and-set parameter required for this call"}, res.errs, "the secret's cas_required applies")
	assert.Equal(t, framework.UpdateOperation, res.op, "metadata alone makes the secret exist")
	res = e.do(framework.UpdateOperation, "data/w", map[string]any{"data": map[string]any{"a": "b"}, "options": map[string]any{"cas": 0}})
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, map[string]any{"owner": "ops", "tier": "1"}, res.data["custom_metadata"], "write responses carry the custom metadata")

	res = e.do(framework.PatchOperation, "metadata/w", map[string]any{"max_versions": nil, "custom_metadata": map[string]any{"tier": nil, "team": "x"}})
	require.Equal(t, http.StatusNoContent, res.status, res.errs)
	res = e.do(framework.ReadOperation, "metadata/w", nil)
	assert.Equal(t, float64(0), res.data["max_versions"], "null resets")
	assert.Equal(t, true, res.data["cas_required"], "untouched")
	assert.Equal(t, map[string]any{"owner": "ops", "team": "x"}, res.data["custom_metadata"])

	res = e.do(framework.PatchOperation, "metadata/w", map[string]any{"custom_metadata": nil})
	require.Equal(t, http.StatusNoContent, res.status)
	assert.Contains(t, e.do(framework.ReadOperation, "metadata/w", nil).raw, `"custom_metadata":null`)

	assert.Equal(t, http.StatusNotFound, e.do(framework.PatchOperation, "metadata/none", map[string]any{"max_versions": 2}).status)
	assert.Equal(t, http.StatusUnsupportedMediaType, e.do(framework.PatchOperation, "metadata/w", map[string]any{"max_versions": 2}, contentType("")).status)

	res = e.do(framework.UpdateOperation, "metadata/w", map[string]any{"custom_metadata": map[string]any{"k": strings.Repeat("v", 513)}})
	assert.Equal(t, http.StatusBadRequest, res.status)
	require.Len(t, res.errs, 1)
	assert.True(t, strings.HasPrefix(res.errs[0], "custom_metadata validation failed"), res.errs[0])
	assert.Equal(t, http.StatusBadRequest, e.do(framework.UpdateOperation, "metadata/w", map[string]any{"max_versions": -1}).status)
	assert.Equal(t, http.StatusBadRequest, e.do(framework.UpdateOperation, "metadata/w", map[string]any{"delete_version_after": "-1s"}).status)

	res = e.do(framework.UpdateOperation, "metadata/nothing", map[string]any{})
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "metadata/nothing", nil).status, "an empty write creates nothing")
}

func TestMetadataCASWarning(t *testing.T) {
	e := startEngine(t)
	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "config", map[string]any{"cas_required": true}).status)
	res := e.do(framework.UpdateOperation, "metadata/x", map[string]any{"cas_required": false})
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, []string{`"cas_required" set to false, but is mandated by backend config. This value will be ignored.`}, res.warn)
}

func TestMetadataMaxVersions(t *testing.T) {
	e := startEngine(t)
	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "metadata/mv", map[string]any{"max_versions": 2}).status)
	for i := range 4 {
		e.write("mv", map[string]any{"i": i})
	}
	res := e.do(framework.ReadOperation, "metadata/mv", nil)
	assert.Equal(t, float64(4), res.data["current_version"])
	assert.Equal(t, float64(3), res.data["oldest_version"])
	assert.Equal(t, []string{"3", "4"}, keysOf(res.data["versions"].(map[string]any)))
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "data/mv", map[string]any{"version": "1"}).status)
	assert.Empty(t, e.do(framework.ReadOperation, "data/mv", map[string]any{"version": "1"}).raw, "a pruned version is simply gone")
}

func TestMetadataDeleteAndList(t *testing.T) {
	e := startEngine(t)
	for _, p := range []string{"top", "dir/a", "dir/b", "dir/sub/c"} {
		e.write(p, map[string]any{"k": "v"})
	}
	list := func(path string) result { return e.do(framework.ListOperation, path, nil) }
	for path, want := range map[string][]any{
		"metadata":          {"dir/", "top"},
		"metadata/":         {"dir/", "top"},
		"metadata/dir/":     {"a", "b", "sub/"},
		"metadata/dir":      {"a", "b", "sub/"},
		"metadata/dir/sub/": {"c"},
	} {
		res := list(path)
		require.Equal(t, http.StatusOK, res.status, path)
		assert.Equal(t, []string{"keys"}, keysOf(res.data))
		assert.Equal(t, want, res.data["keys"], path)
	}
	res := list("metadata/nothing/")
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Empty(t, res.errs)

	require.Equal(t, http.StatusNoContent, e.do(framework.DeleteOperation, "metadata/dir/sub/c", nil).status)
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "data/dir/sub/c", nil).status)
	assert.Equal(t, http.StatusNotFound, e.do(framework.ReadOperation, "metadata/dir/sub/c", nil).status)
	assert.Equal(t, []any{"a", "b"}, list("metadata/dir/").data["keys"])
	assert.Equal(t, http.StatusNotFound, list("metadata/dir/sub/").status)
	assert.Equal(t, http.StatusNoContent, e.do(framework.DeleteOperation, "metadata/dir/sub/c", nil).status, "deleting again is a no-op")
}

func TestConfig(t *testing.T) {
	e := startEngine(t)
	res := e.do(framework.ReadOperation, "config", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, map[string]any{"max_versions": float64(0), "cas_required": false, "delete_version_after": "0s"}, res.data)

	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "config", map[string]any{"max_versions": 3, "delete_version_after": "2h"}).status)
	res = e.do(framework.ReadOperation, "config", nil)
	assert.Equal(t, map[string]any{"max_versions": float64(3), "cas_required": false, "delete_version_after": "2h0m0s"}, res.data)

	require.Equal(t, http.StatusNoContent, e.do(framework.UpdateOperation, "config", map[string]any{"delete_version_after": -1}).status)
	res = e.do(framework.ReadOperation, "config", nil)
	assert.Equal(t, "-1s", res.data["delete_version_after"], "negative disables")
	assert.Equal(t, float64(3), res.data["max_versions"])
	w := e.write("nodel", map[string]any{"k": "v"})
	assert.Equal(t, "", w.data["deletion_time"])

	assert.Equal(t, http.StatusBadRequest, e.do(framework.UpdateOperation, "config", map[string]any{"max_versions": "many"}).status)
}

func TestVersion1MountsServeUnversionedSecrets(t *testing.T) {
	e := startEngine(t)
	for i, opts := range []map[string]string{nil, {"version": "1"}} {
		acc := fmt.Sprintf("kv_old%d", i)
		b := kv.New(e.deps, framework.MountInfo{Path: "old/", Type: "kv", Accessor: acc, Options: opts})
		m := &testkit.Mount{Backend: b, Path: "old/", Type: "kv", Accessor: acc}
		assert.Equal(t, http.StatusNotFound, m.Do(t, framework.ReadOperation, "app/db", nil).Status)
		assert.Equal(t, http.StatusNoContent, m.Do(t, framework.CreateOperation, "app/db", map[string]any{"pw": "one"}).Status)
		assert.Equal(t, http.StatusNoContent, m.Do(t, framework.UpdateOperation, "app/db", map[string]any{"pw": "two"}).Status)
		res := m.Do(t, framework.ReadOperation, "app/db", nil)
		assert.Equal(t, http.StatusOK, res.Status)
		assert.Equal(t, map[string]any{"pw": "two"}, res.Data)
		assert.Equal(t, http.StatusBadRequest, m.Do(t, framework.UpdateOperation, "app/empty", map[string]any{}).Status)
		list := m.Do(t, framework.ListOperation, "app/", nil)
		assert.Equal(t, []any{"db"}, list.Data["keys"])
		assert.Equal(t, http.StatusNoContent, m.Do(t, framework.DeleteOperation, "app/db", nil).Status)
		assert.Equal(t, http.StatusNotFound, m.Do(t, framework.ReadOperation, "app/db", nil).Status)
		assert.Equal(t, http.StatusNotFound, m.Do(t, framework.ListOperation, "app/", nil).Status)
	}
	b := kv.New(e.deps, framework.MountInfo{Path: "new/", Type: "kv", Accessor: "kv_new", Options: map[string]string{"version": "2"}})
	_, _, err := b.Match("data/x")
	require.NoError(t, err, "type kv with version 2 is KV v2")
}
