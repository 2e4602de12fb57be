package token_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
)

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	require.Error(t, err)
	got, msgs := framework.StatusOf(err)
	require.Equal(t, status, got, "error %v (%v)", err, msgs)
}

func TestCreateResolveAndLookup(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "root-id")
	require.NoError(t, err)
	require.Equal(t, "root-id", root)

	created := n.create(t, root, map[string]any{
		"policies": []any{"app"}, "ttl": "1h", "display_name": "web server", "meta": map[string]any{"team": "a"},
		"explicit_max_ttl": "2h",
	})
	assert.Regexp(t, `^hvs\.[0-9A-Za-z]{24}$`, created.ClientToken)
	assert.Len(t, created.Accessor, 24)
	assert.Equal(t, []string{"app", "default"}, created.Policies)
	assert.Equal(t, created.Policies, created.TokenPolicies)
	assert.Equal(t, time.Hour, created.TTL)
	assert.True(t, created.Renewable)
	assert.False(t, created.Orphan)
	assert.Equal(t, "service", created.TokenType)
	assert.Equal(t, map[string]string{"team": "a"}, created.Metadata)

	auth, err := n.resolver.Resolve(context.Background(), created.ClientToken)
	require.NoError(t, err)
	assert.Equal(t, created.Accessor, auth.Accessor)
	assert.Equal(t, []string{"app", "default"}, auth.Policies)
	assert.False(t, auth.IsRoot)
	assert.Equal(t, "token-web-server", auth.DisplayName)
	assert.WithinDuration(t, time.Now().Add(time.Hour), auth.ExpireTime, 5*time.Second)

	rootAuth, err := n.resolver.Resolve(context.Background(), root)
	require.NoError(t, err)
	assert.True(t, rootAuth.IsRoot)
	assert.True(t, rootAuth.ExpireTime.IsZero())

	for _, tc := range []struct {
		name, caller, path string
		op                 framework.Operation
		data               map[string]any
		wantID             string
	}{
		{"lookup", root, "lookup", framework.UpdateOperation, map[string]any{"token": created.ClientToken}, created.ClientToken},
		{"lookup-self", created.ClientToken, "lookup-self", framework.ReadOperation, nil, created.ClientToken},
		{"lookup-accessor", root, "lookup-accessor", framework.UpdateOperation, map[string]any{"accessor": created.Accessor}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := n.call(t, tc.caller, false, tc.op, tc.path, tc.data)
			require.NoError(t, err)
			d := resp.Data
			assert.Equal(t, tc.wantID, d["id"])
			assert.Equal(t, created.Accessor, d["accessor"])
			assert.Equal(t, []string{"app", "default"}, d["policies"])
			assert.Equal(t, "auth/token/create", d["path"])
			assert.Equal(t, "token-web-server", d["display_name"])
			assert.Equal(t, map[string]string{"team": "a"}, d["meta"])
			assert.Equal(t, int64(3600), d["creation_ttl"])
			assert.Equal(t, int64(7200), d["explicit_max_ttl"])
			assert.Equal(t, false, d["orphan"])
			assert.Equal(t, true, d["renewable"])
			assert.Equal(t, "service", d["type"])
			assert.Equal(t, 0, d["num_uses"])
			assert.InDelta(t, 3600, d["ttl"], 5)
			assert.IsType(t, time.Time{}, d["expire_time"])
			assert.IsType(t, time.Time{}, d["issue_time"])
			assert.InDelta(t, time.Now().Unix(), d["creation_time"], 5)
			assert.NotContains(t, d, "parent", "the parent is never disclosed")
		})
	}

	resp, err := n.call(t, root, false, framework.ReadOperation, "lookup-self", nil)
	require.NoError(t, err)
	assert.Equal(t, "auth/token/root", resp.Data["path"])
	assert.Equal(t, "root", resp.Data["display_name"])
	assert.Nil(t, resp.Data["expire_time"])
	assert.Equal(t, int64(0), resp.Data["ttl"])
	assert.Equal(t, true, resp.Data["orphan"])

	_, err = n.call(t, root, false, framework.UpdateOperation, "lookup", map[string]any{"token": "hvs.unknownunknownunknown"})
	requireStatus(t, err, http.StatusForbidden)
	_, err = n.call(t, root, false, framework.UpdateOperation, "lookup-accessor", map[string]any{"accessor": "nope"})
	requireStatus(t, err, http.StatusBadRequest)
	_, err = n.resolver.Resolve(context.Background(), "hvs.unknownunknownunknown")
	require.ErrorIs(t, err, framework.ErrPermissionDenied)
}

func TestCreateRules(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	app := n.create(t, root, map[string]any{"policies": "app,db", "no_default_policy": true}).ClientToken

	tests := []struct {
		name   string
		caller string
		sudo   bool
		path   string
		data   map[string]any
		status int
	}{
		{"child may not get a policy its parent lacks", app, false, "create", map[string]any{"policies": []any{"admin"}}, 400},
		{"child may not get root", app, false, "create", map[string]any{"policies": []any{"root"}}, 400},
		{"sudo without root parent may not mint root", app, true, "create", map[string]any{"policies": []any{"root"}}, 400},
		{"no_parent needs sudo", app, false, "create", map[string]any{"no_parent": true}, 400},
		{"custom id needs sudo", app, false, "create", map[string]any{"id": "mine"}, 400},
		{"custom id may not look generated", root, false, "create", map[string]any{"id": "hvs.x"}, 400},
		{"custom id may not contain dots", root, false, "create", map[string]any{"id": "a.b"}, 400},
		{"periodic needs sudo", app, false, "create", map[string]any{"period": "1h"}, 400},
		{"root batch tokens are refused", root, false, "create", map[string]any{"type": "batch"}, 400},
		{"roles are not supported", root, false, "create/myrole", nil, 400},
		{"bad field type", root, false, "create", map[string]any{"ttl": map[string]any{"a": 1}}, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := n.call(t, tc.caller, tc.sudo, framework.UpdateOperation, tc.path, tc.data)
			requireStatus(t, err, tc.status)
		})
	}

	sub := n.create(t, app, map[string]any{"policies": []any{"db"}})
	assert.Equal(t, []string{"db"}, sub.Policies, "default only if the parent has it")

	orphan, err := n.call(t, app, false, framework.UpdateOperation, "create-orphan", nil)
	require.NoError(t, err)
	assert.True(t, orphan.Auth.Orphan)
	assert.Equal(t, []string{"app", "db"}, orphan.Auth.Policies)

	custom, err := n.call(t, root, false, framework.UpdateOperation, "create", map[string]any{"id": "my-custom-token", "policies": []any{"app"}})
	require.NoError(t, err)
	assert.Equal(t, "my-custom-token", custom.Auth.ClientToken)
	assert.True(t, n.resolves("my-custom-token"))
	_, err = n.call(t, root, false, framework.UpdateOperation, "create", map[string]any{"id": "my-custom-token"})
	requireStatus(t, err, http.StatusBadRequest)

	// A revoked id can be used again.
	_, err = n.call(t, root, false, framework.UpdateOperation, "revoke", map[string]any{"token": "my-custom-token"})
	require.NoError(t, err)
	require.False(t, n.resolves("my-custom-token"))
	_, err = n.call(t, root, false, framework.UpdateOperation, "create", map[string]any{"id": "my-custom-token"})
	require.NoError(t, err)
	require.True(t, n.resolves("my-custom-token"))

	limited := n.create(t, root, map[string]any{"num_uses": json.Number("5")}).ClientToken
	_, err = n.call(t, limited, false, framework.UpdateOperation, "create", nil)
	requireStatus(t, err, http.StatusBadRequest)

	nonRenewable := n.create(t, root, map[string]any{"policies": "app", "renewable": false, "ttl": "1h"})
	assert.False(t, nonRenewable.Renewable)
	_, err = n.call(t, root, false, framework.UpdateOperation, "renew", map[string]any{"token": nonRenewable.ClientToken})
	requireStatus(t, err, http.StatusBadRequest)
}

func TestEnsureRootIsIdempotent(t *testing.T) {
	n := startNode(t, t.TempDir())
	ctx := context.Background()
	id, err := token.EnsureRoot(ctx, n.deps, "dev-root")
	require.NoError(t, err)
	seq := n.deps.Store.AppliedSeq()
	again, err := token.EnsureRoot(ctx, n.deps, "dev-root")
	require.NoError(t, err)
	require.Equal(t, id, again)
	require.Equal(t, seq, n.deps.Store.AppliedSeq(), "an existing root token costs no append")

	random, err := token.EnsureRoot(ctx, n.deps, "")
	require.NoError(t, err)
	require.Regexp(t, `^hvs\.`, random)
	require.True(t, n.resolves(random))

	child := n.create(t, id, map[string]any{"policies": "app"}).ClientToken
	_, err = n.call(t, id, false, framework.UpdateOperation, "create", map[string]any{"id": "taken", "policies": "app"})
	require.NoError(t, err)
	_, err = token.EnsureRoot(ctx, n.deps, "taken")
	require.ErrorIs(t, err, token.ErrRootIDInUse)
	require.True(t, n.resolves(child))
}
