package sys

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cofferhq/coffer/engines/framework"
)

func TestCapabilities(t *testing.T) {
	e := start(t)
	update := framework.UpdateOperation
	e.ok(t, call{op: update, path: "policies/acl/app", data: map[string]any{"policy": appPolicy}})
	user := &framework.Caller{Accessor: "u", Policies: []string{"default", "app"}}
	e.tokens["user-token"] = user

	one := body(t, e.ok(t, call{op: update, path: "capabilities-self", auth: user, data: map[string]any{"path": "secret/data/app/x"}}))
	assert.Equal(t, []any{"list", "read"}, one["capabilities"], "top-level capabilities, as older clients read them")
	assert.Equal(t, []any{"list", "read"}, one["secret/data/app/x"])
	assert.Equal(t, map[string]any{"capabilities": []any{"list", "read"}, "secret/data/app/x": []any{"list", "read"}}, one["data"])

	many := e.ok(t, call{op: update, path: "capabilities-self", auth: user,
		data: map[string]any{"paths": []any{"secret/data/app/x", "sys/capabilities-self", "other"}}})
	assert.Equal(t, map[string]any{
		"secret/data/app/x":     []string{"list", "read"},
		"sys/capabilities-self": []string{"update"},
		"other":                 []string{"deny"},
	}, many.Data, "no capabilities key when several paths are asked")

	comma := e.ok(t, call{op: update, path: "capabilities-self", auth: user, data: map[string]any{"paths": "a,secret/data/app/y"}})
	assert.Equal(t, []string{"deny"}, comma.Data["a"])
	assert.Equal(t, []string{"list", "read"}, comma.Data["secret/data/app/y"])

	root := e.ok(t, call{op: update, path: "capabilities-self", data: map[string]any{"path": "anything"}})
	assert.Equal(t, []string{"root"}, root.Data["capabilities"])

	other := e.ok(t, call{op: update, path: "capabilities", data: map[string]any{"token": "user-token", "path": "secret/data/app/x"}})
	assert.Equal(t, []string{"list", "read"}, other.Data["capabilities"])

	for _, tc := range []struct {
		c   call
		msg string
	}{
		{call{op: update, path: "capabilities", data: map[string]any{"token": "nope", "path": "x"}}, "invalid token"},
		{call{op: update, path: "capabilities", data: map[string]any{"path": "x"}}, "no token found"},
		{call{op: update, path: "capabilities-self", data: map[string]any{}}, "paths must be supplied"},
	} {
		status, msgs := e.fails(t, tc.c)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, []string{tc.msg}, msgs)
	}
}

func TestUIMountPreflight(t *testing.T) {
	e := start(t)
	read, update := framework.ReadOperation, framework.UpdateOperation
	e.ok(t, call{op: update, path: "mounts/secret", data: map[string]any{"type": "kv", "options": map[string]any{"version": "2"}}})
	e.ok(t, call{op: update, path: "mounts/hidden", data: map[string]any{"type": "kv"}})
	e.ok(t, call{op: update, path: "policies/acl/app", data: map[string]any{"policy": appPolicy}})
	user := &framework.Caller{Accessor: "u", Policies: []string{"default", "app"}}

	resp := e.ok(t, call{op: read, path: "internal/ui/mounts/secret/app/config", auth: user})
	assert.Equal(t, "secret/", resp.Data["path"])
	assert.Equal(t, "kv", resp.Data["type"])
	assert.Equal(t, map[string]string{"version": "2"}, resp.Data["options"], "the CLI reads the kv version here")

	root := e.ok(t, call{op: read, path: "internal/ui/mounts/hidden"})
	assert.Equal(t, "hidden/", root.Data["path"])

	// A mount the token cannot reach, a missing mount and no token at all
	// look the same, so the path cannot enumerate mounts.
	for _, c := range []call{
		{op: read, path: "internal/ui/mounts/hidden/x", auth: user},
		{op: read, path: "internal/ui/mounts/nothing/x", auth: user},
		{op: read, path: "internal/ui/mounts/secret/x", anon: true},
	} {
		status, msgs := e.fails(t, c)
		assert.Equal(t, http.StatusForbidden, status, c.path)
		assert.Len(t, msgs, 1)
		assert.Contains(t, msgs[0], "preflight capability check returned 403, please ensure client's policies grant access to path")
	}

	all := e.ok(t, call{op: read, path: "internal/ui/mounts", auth: user})
	secret := all.Data["secret"].(map[string]any)
	assert.ElementsMatch(t, []string{"secret/", "sys/"}, keys(secret), "only mounts the token reaches (default grants some sys/ paths)")
	assert.Contains(t, all.Data["auth"], "token/")
	anon := e.ok(t, call{op: read, path: "internal/ui/mounts", anon: true})
	assert.Empty(t, anon.Data["secret"])

	entry, _, err := e.backend.Match("internal/ui/mounts/secret")
	assert.NoError(t, err)
	assert.True(t, entry.Unauthenticated, "any token may ask; the handler checks")
	assert.False(t, entry.Unaudited)
}
