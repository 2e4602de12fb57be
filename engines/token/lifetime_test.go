package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/internal/testkit"
)

func TestExpiryNeedsNoSweep(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)

	short := n.create(t, root, map[string]any{"policies": "app", "ttl": "2s"})
	require.Equal(t, int64(2), int64(short.TTL.Seconds()))
	// A child with a longer TTL still dies with its parent, as in Vault.
	child := n.create(t, short.ClientToken, map[string]any{"ttl": "1h"})
	require.Equal(t, int64(3600), int64(child.TTL.Seconds()))
	longLived := n.create(t, root, map[string]any{"policies": "app", "ttl": "1h"})
	require.True(t, n.resolves(short.ClientToken))
	require.True(t, n.resolves(child.ClientToken))

	seq := n.deps.Store.AppliedSeq()
	testkit.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if n.resolves(short.ClientToken) {
			return errors.New("short-lived token still resolves")
		}
		return nil
	})
	assert.False(t, n.resolves(child.ClientToken), "a child stops with its expired parent")
	assert.True(t, n.resolves(longLived.ClientToken))
	assert.Equal(t, seq, n.deps.Store.AppliedSeq(), "expiry appended nothing")

	_, err = n.call(t, root, false, framework.UpdateOperation, "lookup", map[string]any{"token": short.ClientToken})
	requireStatus(t, err, http.StatusForbidden)
	_, err = n.call(t, root, false, framework.UpdateOperation, "renew", map[string]any{"token": short.ClientToken})
	requireStatus(t, err, http.StatusBadRequest)

	// Tidy revokes the dead tokens (and only them).
	resp, err := n.call(t, root, false, framework.UpdateOperation, "tidy", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Contains(t, resp.Warnings[0], "2 expired tokens revoked")
	assert.True(t, n.resolves(longLived.ClientToken))
}

func TestRenewMovesTheDeadlineOfTheTree(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	parent := n.create(t, root, map[string]any{"policies": "app", "ttl": "2s", "explicit_max_ttl": "1h"})
	child := n.create(t, parent.ClientToken, map[string]any{"ttl": "1h"})

	resp, err := n.call(t, parent.ClientToken, false, framework.UpdateOperation, "renew-self", map[string]any{"increment": "1h"})
	require.NoError(t, err)
	assert.Equal(t, parent.ClientToken, resp.Auth.ClientToken)
	assert.InDelta(t, 3600, resp.Auth.TTL.Seconds(), 2)

	auth, err := n.resolver.Resolve(context.Background(), child.ClientToken)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(time.Hour), auth.ExpireTime, 5*time.Second, "the child's deadline follows its parent's renewal")

	look, err := n.call(t, root, false, framework.UpdateOperation, "lookup", map[string]any{"token": parent.ClientToken})
	require.NoError(t, err)
	assert.Contains(t, look.Data, "last_renewal_time")
	assert.Equal(t, int64(2), look.Data["creation_ttl"], "creation_ttl is the original TTL")
}

func TestRenewRespectsExplicitMax(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	tok := n.create(t, root, map[string]any{"policies": "app", "ttl": "10m", "explicit_max_ttl": "30m"})

	resp, err := n.call(t, root, false, framework.UpdateOperation, "renew", map[string]any{"token": tok.ClientToken, "increment": json.Number("7200")})
	require.NoError(t, err)
	assert.InDelta(t, 1800, resp.Auth.TTL.Seconds(), 2, "capped at creation + explicit_max_ttl")
	assert.NotEmpty(t, resp.Warnings)

	byAccessor, err := n.call(t, root, false, framework.UpdateOperation, "renew-accessor", map[string]any{"accessor": tok.Accessor})
	require.NoError(t, err)
	assert.Empty(t, byAccessor.Auth.ClientToken, "renewing by accessor does not reveal the token")

	_, err = n.call(t, root, false, framework.UpdateOperation, "renew", map[string]any{"token": root})
	requireStatus(t, err, http.StatusBadRequest) // never expires, so never renews

	periodic := n.create(t, root, map[string]any{"policies": "app", "period": "20m", "ttl": "5h"})
	assert.Equal(t, int64(1200), int64(periodic.TTL.Seconds()))
	resp, err = n.call(t, root, false, framework.UpdateOperation, "renew", map[string]any{"token": periodic.ClientToken, "increment": "5h"})
	require.NoError(t, err)
	assert.Equal(t, int64(1200), int64(resp.Auth.TTL.Seconds()), "a periodic token renews to its period")
	look, err := n.call(t, root, false, framework.UpdateOperation, "lookup", map[string]any{"token": periodic.ClientToken})
	require.NoError(t, err)
	assert.Equal(t, int64(1200), look.Data["period"])
}

func TestNumUses(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	tok := n.create(t, root, map[string]any{"policies": "app", "num_uses": json.Number("3")})
	assert.Equal(t, 3, tok.NumUses)

	resp, err := n.call(t, tok.ClientToken, false, framework.ReadOperation, "lookup-self", nil)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Data["num_uses"], "the lookup itself spent a use")
	_, err = n.call(t, tok.ClientToken, false, framework.ReadOperation, "lookup-self", nil)
	require.NoError(t, err)
	require.True(t, n.resolves(tok.ClientToken))
	_, err = n.call(t, root, false, framework.UpdateOperation, "lookup", map[string]any{"token": tok.ClientToken})
	require.NoError(t, err, "looking a token up does not spend its uses")

	ctx := context.Background()
	auth, err := n.resolver.Resolve(ctx, tok.ClientToken)
	require.NoError(t, err)
	require.NoError(t, n.resolver.Use(ctx, auth), "the last use is allowed")
	assert.False(t, n.resolves(tok.ClientToken), "and revokes the token")
	require.ErrorIs(t, n.resolver.Use(ctx, auth), framework.ErrPermissionDenied)

	// Unlimited tokens append nothing on use.
	seq := n.deps.Store.AppliedSeq()
	rootAuth, err := n.resolver.Resolve(ctx, root)
	require.NoError(t, err)
	require.NoError(t, n.resolver.Use(ctx, rootAuth))
	assert.Equal(t, seq, n.deps.Store.AppliedSeq())
}

func TestNumUsesUnderConcurrency(t *testing.T) {
	n := startNode(t, t.TempDir())
	root, err := token.EnsureRoot(context.Background(), n.deps, "")
	require.NoError(t, err)
	tok := n.create(t, root, map[string]any{"policies": "app", "num_uses": json.Number("5")})

	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			auth, err := n.resolver.Resolve(ctx, tok.ClientToken)
			if err != nil {
				return
			}
			if err := n.resolver.Use(ctx, auth); err == nil {
				ok.Add(1)
			} else if !errors.Is(err, framework.ErrPermissionDenied) {
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(5), ok.Load(), "exactly num_uses requests get through")
	assert.False(t, n.resolves(tok.ClientToken))
}
