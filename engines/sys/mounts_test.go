package sys

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

func TestMountsLifecycle(t *testing.T) {
	e := start(t)
	read, update, del := framework.ReadOperation, framework.UpdateOperation, framework.DeleteOperation

	list := body(t, e.ok(t, call{op: read, path: "mounts"}))
	assert.Equal(t, "req-mounts", list["request_id"])
	assert.Equal(t, "system", list["mount_type"])
	data := list["data"].(map[string]any)
	assert.Equal(t, []string{"sys/"}, keys(data), "only the built-in sys/ before any enable")
	assert.Equal(t, data["sys/"], list["sys/"], "sys routes copy data to the top level, as Vault")
	assert.Equal(t, "system", data["sys/"].(map[string]any)["type"])

	resp := e.ok(t, call{op: update, path: "mounts/kv-test", data: map[string]any{
		"type":        "kv-v2",
		"description": "team secrets",
		"config":      map[string]any{"default_lease_ttl": "1h", "max_lease_ttl": json.Number("7200")},
	}})
	assert.Nil(t, resp, "enable answers 204")

	// This node routes to the new mount as soon as the enable returns.
	m, rel, ok := e.mounts.Match("kv-test/data/foo")
	require.True(t, ok)
	assert.Equal(t, "kv-test/", m.Path)
	assert.Equal(t, "data/foo", rel)

	list = body(t, e.ok(t, call{op: read, path: "mounts"}))
	data = list["data"].(map[string]any)
	assert.ElementsMatch(t, []string{"sys/", "kv-test/"}, keys(data))
	info := data["kv-test/"].(map[string]any)
	assert.Equal(t, "kv", info["type"])
	assert.Equal(t, "team secrets", info["description"])
	assert.Equal(t, map[string]any{"version": "2"}, info["options"])
	assert.Regexp(t, `^kv_[0-9a-f]{8}$`, info["accessor"])
	assert.Equal(t, m.Accessor, info["accessor"])
	assert.Regexp(t, `^[0-9a-f-]{36}$`, info["uuid"])
	cfg := info["config"].(map[string]any)
	assert.Equal(t, 3600.0, cfg["default_lease_ttl"])
	assert.Equal(t, 7200.0, cfg["max_lease_ttl"])
	firstAccessor := info["accessor"]

	// GET sys/mounts/<path> answers for the mount holding the path.
	one := body(t, e.ok(t, call{op: read, path: "mounts/kv-test/data/x"}))
	assert.Equal(t, "kv", one["type"])
	assert.Equal(t, firstAccessor, one["accessor"])

	tune := body(t, e.ok(t, call{op: read, path: "mounts/kv-test/tune"}))
	assert.Equal(t, 3600.0, tune["default_lease_ttl"])
	assert.Equal(t, 7200.0, tune["max_lease_ttl"])
	assert.Equal(t, "team secrets", tune["description"])
	assert.Equal(t, map[string]any{"version": "2"}, tune["options"])

	resp = e.ok(t, call{op: update, path: "mounts/kv-test/tune", data: map[string]any{
		"description": "tuned", "default_lease_ttl": "system", "max_lease_ttl": "3h",
		"options": map[string]any{"extra": "1"},
	}})
	assert.Nil(t, resp)
	tune = body(t, e.ok(t, call{op: read, path: "mounts/kv-test/tune"}))
	assert.Equal(t, "tuned", tune["description"])
	assert.Equal(t, 10800.0, tune["max_lease_ttl"])
	assert.Equal(t, 10800.0, tune["default_lease_ttl"], "the system default is capped by the mount's max, as Vault")
	assert.Equal(t, map[string]any{"version": "2", "extra": "1"}, tune["options"])
	m, _, _ = e.mounts.Match("kv-test/x")
	assert.Equal(t, "tuned", m.Description, "tuning reloads the routing table too")

	// Disable: unreachable at once; re-enable: a new, empty mount.
	assert.Nil(t, e.ok(t, call{op: del, path: "mounts/kv-test"}))
	_, _, ok = e.mounts.Match("kv-test/data/foo")
	assert.False(t, ok)
	status, msgs := e.fails(t, call{op: read, path: "mounts/kv-test"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, []string{"No secret engine mount at kv-test/"}, msgs)

	e.ok(t, call{op: update, path: "mounts/kv-test", data: map[string]any{"type": "kv"}})
	one = body(t, e.ok(t, call{op: read, path: "mounts/kv-test"}))
	assert.NotEqual(t, firstAccessor, one["accessor"], "re-enabling gets a new accessor, so its storage starts empty")
	assert.Nil(t, one["options"])
	cfg = one["config"].(map[string]any)
	assert.Equal(t, 0.0, cfg["default_lease_ttl"])
}

func TestMountRefusals(t *testing.T) {
	e := start(t, func(o *Options) { o.EngineTypes = []string{"kv", "transit"} })
	update := framework.UpdateOperation
	e.ok(t, call{op: update, path: "mounts/secret", data: map[string]any{"type": "kv"}})

	for _, tc := range []struct {
		name string
		c    call
		msg  string
	}{
		{"reserved", call{op: update, path: "mounts/sys/x", data: map[string]any{"type": "kv"}}, `cannot mount "sys/x/"`},
		{"same path", call{op: update, path: "mounts/secret/", data: map[string]any{"type": "kv"}}, "path is already in use at secret/"},
		{"nested", call{op: update, path: "mounts/secret/team", data: map[string]any{"type": "kv"}}, "path is already in use at secret/"},
		{"no type", call{op: update, path: "mounts/other", data: map[string]any{}}, "backend type must be specified as a string"},
		{"unknown type", call{op: update, path: "mounts/other", data: map[string]any{"type": "nope"}}, "plugin not found in the catalog: nope"},
		{"bad ttl", call{op: update, path: "mounts/other", data: map[string]any{"type": "kv", "config": map[string]any{"max_lease_ttl": "soon"}}}, `unable to parse max TTL of soon: invalid duration "soon"`},
		{"ttl order", call{op: update, path: "mounts/other", data: map[string]any{"type": "kv", "config": map[string]any{"default_lease_ttl": "2h", "max_lease_ttl": "1h"}}}, "given default lease TTL greater than given max lease TTL"},
		{"unmount sys", call{op: framework.DeleteOperation, path: "mounts/sys"}, `cannot unmount "sys/"`},
		{"tune missing", call{op: update, path: "mounts/missing/tune", data: map[string]any{"description": "x"}}, `tune of path "missing/" failed: no mount entry found`},
		{"tune sys", call{op: update, path: "mounts/sys/tune", data: map[string]any{"description": "x"}}, `cannot tune "sys/"`},
		{"tune read missing", call{op: framework.ReadOperation, path: "mounts/missing/tune"}, `cannot fetch mount entry for path "missing/"`},
	} {
		status, msgs := e.fails(t, tc.c)
		assert.Equal(t, http.StatusBadRequest, status, tc.name)
		assert.Equal(t, []string{tc.msg}, msgs, tc.name)
	}

	// Disabling what is not mounted succeeds, as in Vault.
	assert.Nil(t, e.ok(t, call{op: framework.DeleteOperation, path: "mounts/never"}))
}

func TestMountRoutes(t *testing.T) {
	e := start(t)
	for path, pattern := range map[string]string{
		"mounts":             "mounts/?",
		"mounts/":            "mounts/?",
		"mounts/a/b/tune":    "mounts/(?P<path>.+?)/tune/?",
		"mounts/a/b":         "mounts/(?P<path>.+)",
		"policies/acl/":      "policies/acl/?",
		"policy/x":           "policy/(?P<name>.+)",
		"internal/ui/mounts": "internal/ui/mounts/?",
	} {
		entry, _, err := e.backend.Match(path)
		require.NoError(t, err, path)
		assert.Equal(t, pattern, entry.Pattern, path)
	}
	entry, vars, err := e.backend.Match("mounts/a/b/tune")
	require.NoError(t, err)
	assert.Equal(t, "a/b", vars["path"])
	assert.False(t, entry.Unauthenticated)
}

func TestAuthList(t *testing.T) {
	e := start(t)
	resp := body(t, e.ok(t, call{op: framework.ReadOperation, path: "auth"}))
	data := resp["data"].(map[string]any)
	assert.Equal(t, []string{"token/"}, keys(data))
	token := data["token/"].(map[string]any)
	assert.Equal(t, "token", token["type"])
	assert.Equal(t, "auth_token", token["accessor"])
	assert.Equal(t, "default-service", token["config"].(map[string]any)["token_type"])
	assert.Equal(t, token, resp["token/"])
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
