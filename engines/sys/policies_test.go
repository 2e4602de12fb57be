package sys

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
)

const appPolicy = `path "secret/data/app/*" { capabilities = ["read", "list"] }`

func TestPolicies(t *testing.T) {
	e := start(t)
	read, update, del, list := framework.ReadOperation, framework.UpdateOperation, framework.DeleteOperation, framework.ListOperation

	resp := e.ok(t, call{op: list, path: "policies/acl"})
	assert.Equal(t, []string{"default", "root"}, resp.Data["keys"])

	def := e.ok(t, call{op: read, path: "policies/acl/default"})
	assert.Equal(t, map[string]any{"name": "default", "policy": acl.DefaultPolicy}, def.Data)

	// Non-canonical names are refused, not lowercased (issue 10, item 5).
	_, err := e.do(t, call{op: update, path: "policies/acl/App", data: map[string]any{"policy": appPolicy}})
	status, _ := framework.StatusOf(err)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Nil(t, e.ok(t, call{op: update, path: "policies/acl/app", data: map[string]any{"policy": appPolicy}}))
	got := e.ok(t, call{op: read, path: "policies/acl/app"})
	assert.Equal(t, map[string]any{"name": "app", "policy": appPolicy}, got.Data)
	_, err = e.do(t, call{op: read, path: "policies/acl/App"})
	status, _ = framework.StatusOf(err)
	assert.Equal(t, http.StatusBadRequest, status)
	resp = e.ok(t, call{op: list, path: "policies/acl/"})
	assert.Equal(t, []string{"app", "default", "root"}, resp.Data["keys"])

	_, err = e.do(t, call{op: read, path: "policies/acl/missing"})
	assert.ErrorIs(t, err, framework.ErrNotFound)

	root := e.ok(t, call{op: read, path: "policies/acl/root"})
	assert.Equal(t, map[string]any{"name": "root", "policy": ""}, root.Data)

	assert.Nil(t, e.ok(t, call{op: del, path: "policies/acl/app"}))
	_, err = e.do(t, call{op: read, path: "policies/acl/app"})
	assert.ErrorIs(t, err, framework.ErrNotFound)
	assert.Nil(t, e.ok(t, call{op: del, path: "policies/acl/app"}), "deleting a missing policy succeeds")
}

func TestPolicyRefusals(t *testing.T) {
	e := start(t)
	update, del := framework.UpdateOperation, framework.DeleteOperation
	for _, tc := range []struct {
		name string
		c    call
		msg  string
	}{
		{"bad hcl", call{op: update, path: "policies/acl/bad", data: map[string]any{"policy": "path \"a\" {\n  capabilities = [\"read\"]\n"}},
			"failed to parse policy: 3:2: object expected closing RBRACE got: EOF"},
		{"bad capability", call{op: update, path: "policies/acl/bad", data: map[string]any{"policy": `path "a" { capabilities = ["raed"] }`}},
			`failed to parse policy: 1:28: unknown capability "raed" in path "a"`},
		{"empty", call{op: update, path: "policies/acl/x", data: map[string]any{}}, "'policy' parameter not supplied or empty"},
		{"write root", call{op: update, path: "policies/acl/root", data: map[string]any{"policy": appPolicy}}, `cannot update "root" policy`},
		{"delete root", call{op: del, path: "policies/acl/root"}, "cannot delete root policy"},
		{"delete default", call{op: del, path: "policies/acl/default"}, "cannot delete default policy"},
		{"legacy delete default", call{op: del, path: "policy/default"}, "cannot delete default policy"},
	} {
		status, msgs := e.fails(t, tc.c)
		assert.Equal(t, http.StatusBadRequest, status, tc.name)
		assert.Equal(t, []string{tc.msg}, msgs, tc.name)
	}
	_, err := e.do(t, call{op: framework.ReadOperation, path: "policies/acl/bad"})
	assert.ErrorIs(t, err, framework.ErrNotFound, "a refused write records nothing")

	// default can be updated, and still not deleted.
	e.ok(t, call{op: update, path: "policies/acl/default", data: map[string]any{"policy": appPolicy}})
	def := e.ok(t, call{op: framework.ReadOperation, path: "policies/acl/default"})
	assert.Equal(t, appPolicy, def.Data["policy"])
	status, _ := e.fails(t, call{op: del, path: "policies/acl/default"})
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestLegacyPolicyPaths(t *testing.T) {
	e := start(t)
	resp := e.ok(t, call{op: framework.UpdateOperation, path: "policy/legacy", data: map[string]any{"rules": appPolicy}})
	require.NotNil(t, resp)
	assert.Equal(t, []string{"'rules' is deprecated, please use 'policy' instead"}, resp.Warnings)

	got := body(t, e.ok(t, call{op: framework.ReadOperation, path: "policy/legacy"}))
	assert.Equal(t, "legacy", got["name"])
	assert.Equal(t, appPolicy, got["rules"], "sys/policy answers with rules at the top level")
	assert.Equal(t, map[string]any{"name": "legacy", "rules": appPolicy}, got["data"])

	for _, op := range []framework.Operation{framework.ReadOperation, framework.ListOperation} {
		list := body(t, e.ok(t, call{op: op, path: "policy"}))
		want := []any{"default", "legacy", "root"}
		assert.Equal(t, want, list["policies"], op)
		assert.Equal(t, want, list["keys"], op)
	}
}

func TestPolicyWriteTakesEffectAtOnce(t *testing.T) {
	e := start(t)
	user := &framework.Caller{Accessor: "u", Policies: []string{"default", "app"}}
	caps := func() any {
		resp := e.ok(t, call{op: framework.UpdateOperation, path: "capabilities-self", auth: user,
			data: map[string]any{"path": "secret/data/app/x"}})
		return resp.Data["capabilities"]
	}
	assert.Equal(t, []string{"deny"}, caps())
	e.ok(t, call{op: framework.UpdateOperation, path: "policies/acl/app", data: map[string]any{"policy": appPolicy}})
	// No waiting: the handler invalidated this node's cache before it
	// answered, so the client's next request sees its own write.
	assert.Equal(t, []string{"list", "read"}, caps())
	e.ok(t, call{op: framework.UpdateOperation, path: "policies/acl/app", data: map[string]any{"policy": `path "secret/data/app/*" { capabilities = ["update"] }`}})
	assert.Equal(t, []string{"update"}, caps())
	e.ok(t, call{op: framework.DeleteOperation, path: "policies/acl/app"})
	assert.Equal(t, []string{"deny"}, caps())
}
