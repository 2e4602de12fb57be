package token_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// family is root -> parent -> {child1 -> grandchild, child2}, plus an
// unrelated sibling of parent.
type family struct {
	root, parent, child1, child2, grandchild, sibling string
}

func newFamily(t *testing.T, n *node) family {
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	f := family{root: root}
	f.parent = n.create(t, root, map[string]any{"policies": "app", "ttl": "1h"}).ClientToken
	f.child1 = n.create(t, f.parent, nil).ClientToken
	f.child2 = n.create(t, f.parent, nil).ClientToken
	f.grandchild = n.create(t, f.child1, nil).ClientToken
	f.sibling = n.create(t, root, map[string]any{"policies": "app"}).ClientToken
	return f
}

func TestRevokeTree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		revoke func(t *testing.T, n *node, f family)
	}{
		{"revoke", func(t *testing.T, n *node, f family) {
			_, err := n.call(t, f.root, false, framework.UpdateOperation, "revoke", map[string]any{"token": f.parent})
			require.NoError(t, err)
		}},
		{"revoke-self", func(t *testing.T, n *node, f family) {
			_, err := n.call(t, f.parent, false, framework.UpdateOperation, "revoke-self", nil)
			require.NoError(t, err)
		}},
		{"revoke-accessor", func(t *testing.T, n *node, f family) {
			auth, err := n.resolver.Resolve(context.Background(), f.parent)
			require.NoError(t, err)
			_, err = n.call(t, f.root, false, framework.UpdateOperation, "revoke-accessor", map[string]any{"accessor": auth.Accessor})
			require.NoError(t, err)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, t.TempDir())
			f := newFamily(t, n)
			for _, tok := range []string{f.parent, f.child1, f.child2, f.grandchild} {
				require.True(t, n.resolves(tok))
			}
			tc.revoke(t, n, f)
			for _, tok := range []string{f.parent, f.child1, f.child2, f.grandchild} {
				assert.False(t, n.resolves(tok), "the whole tree is revoked")
			}
			assert.True(t, n.resolves(f.sibling))
			assert.True(t, n.resolves(f.root))
		})
	}
}

func TestRevokeUnknownIsNoError(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	resp, err := n.call(t, root, false, framework.UpdateOperation, "revoke", map[string]any{"token": "hvs.neverexisted"})
	require.NoError(t, err)
	assert.Nil(t, resp)
	resp, err = n.call(t, root, false, framework.UpdateOperation, "revoke-accessor", map[string]any{"accessor": "nope"})
	require.NoError(t, err)
	assert.Equal(t, []string{"No token found with this accessor"}, resp.Warnings)
	_, err = n.call(t, root, false, framework.UpdateOperation, "revoke", nil)
	requireStatus(t, err, http.StatusBadRequest)
}

func TestRevokeOrphan(t *testing.T) {
	n := startNode(t, t.TempDir())
	f := newFamily(t, n)

	_, err := n.call(t, f.sibling, false, framework.UpdateOperation, "revoke-orphan", map[string]any{"token": f.parent})
	requireStatus(t, err, http.StatusBadRequest) // no sudo
	require.True(t, n.resolves(f.parent))

	_, err = n.call(t, f.root, false, framework.UpdateOperation, "revoke-orphan", map[string]any{"token": f.parent})
	require.NoError(t, err)
	assert.False(t, n.resolves(f.parent))
	for _, tok := range []string{f.child1, f.child2, f.grandchild} {
		assert.True(t, n.resolves(tok), "children outlive a revoke-orphan")
	}
	for _, tok := range []string{f.child1, f.child2} {
		resp, err := n.call(t, f.root, false, framework.UpdateOperation, "lookup", map[string]any{"token": tok})
		require.NoError(t, err)
		assert.Equal(t, true, resp.Data["orphan"])
	}
	resp, err := n.call(t, f.root, false, framework.UpdateOperation, "lookup", map[string]any{"token": f.grandchild})
	require.NoError(t, err)
	assert.Equal(t, false, resp.Data["orphan"], "only direct children become orphans")

	// The orphaned subtree is still a tree.
	_, err = n.call(t, f.root, false, framework.UpdateOperation, "revoke", map[string]any{"token": f.child1})
	require.NoError(t, err)
	assert.False(t, n.resolves(f.grandchild))
	assert.True(t, n.resolves(f.child2))

	_, err = n.call(t, f.root, false, framework.UpdateOperation, "revoke-orphan", map[string]any{"token": f.parent})
	requireStatus(t, err, http.StatusBadRequest) // already gone
}

// A child stored after its parent's cascade was decided but before the
// cascade was stored is left under the revoked parent; revoking the parent
// again (or the follow-up round of the same revocation) finds it.
func TestRevokeFindsStragglers(t *testing.T) {
	n := startNode(t, t.TempDir())
	f := newFamily(t, n)
	b := n.deps.Ledger.Barrier()
	parentHash := tokenstore.Hash(b, f.parent)
	parentRec, err := tokenstore.Get(n.deps.Store, b, parentHash)
	require.NoError(t, err)

	// Revoke the parent alone, as a cascade that never saw its children.
	ctx := context.Background()
	_, err = n.deps.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		return tokencmd.DecideRevokeTree([]*tokencmd.Node{{Token: parentRec}}, tokenevent.ReasonRevoked), nil
	})
	require.NoError(t, err)
	require.False(t, n.resolves(f.parent))
	require.True(t, n.resolves(f.child1), "the straggler still works")

	accessors, err := tokencmd.RevokeTree(ctx, n.deps.Bus, parentHash, tokenevent.ReasonRevoked)
	require.NoError(t, err)
	assert.Len(t, accessors, 3)
	for _, tok := range []string{f.child1, f.child2, f.grandchild} {
		assert.False(t, n.resolves(tok))
	}
}

// A child whose creation reaches the ledger after its parent's revocation
// never comes to life, and its creator is told.
func TestCreateUnderRevokedParentFails(t *testing.T) {
	n := startNode(t, t.TempDir())
	f := newFamily(t, n)
	b := n.deps.Ledger.Barrier()
	parentRec, err := tokenstore.Lookup(n.deps.Store, b, f.parent)
	require.NoError(t, err)
	plan, _, err := tokencmd.PlanCreate(parentRec, tokencmd.CreateRequest{Path: "auth/token/create"}, tokencmd.Limits{}, parentRec.CreationTime)
	require.NoError(t, err)

	ctx := commands.WithMeta(context.Background(), commands.Meta{Actor: "test"})
	_, err = tokencmd.RevokeTree(ctx, n.deps.Bus, parentRec.Hash, tokenevent.ReasonRevoked)
	require.NoError(t, err)

	raw := tokencmd.NewToken()
	_, err = tokencmd.Create(ctx, n.deps.Bus, raw, tokencmd.NewAccessor(), plan)
	require.ErrorIs(t, err, tokencmd.ErrParentRevoked)
	assert.False(t, n.resolves(raw))
}

func TestListAccessorsNeedsSudo(t *testing.T) {
	n := startNode(t, t.TempDir())
	f := newFamily(t, n)
	_, err := n.call(t, f.sibling, false, framework.ListOperation, "accessors/", nil)
	requireStatus(t, err, http.StatusForbidden)

	resp, err := n.call(t, f.root, false, framework.ListOperation, "accessors", nil)
	require.NoError(t, err)
	keys := resp.Data["keys"].([]string)
	assert.Len(t, keys, 6)
	auth, err := n.resolver.Resolve(context.Background(), f.grandchild)
	require.NoError(t, err)
	assert.Contains(t, keys, auth.Accessor)

	_, err = n.call(t, f.root, false, framework.UpdateOperation, "revoke", map[string]any{"token": f.parent})
	require.NoError(t, err)
	resp, err = n.call(t, f.root, false, framework.ListOperation, "accessors", nil)
	require.NoError(t, err)
	assert.Len(t, resp.Data["keys"], 2)
	assert.NotContains(t, resp.Data["keys"], auth.Accessor)
}
