package policystore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/commands/policy"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/policystore"
)

type env struct {
	bus      *commands.Bus
	store    *projections.Store
	observed *policystore.Cache // invalidated by the projector's observer
}

func start(t *testing.T) env {
	t.Helper()
	var cache *policystore.Cache
	le := ledgertest.Start(t, ledgertest.Options{
		Register: []func(*projections.Projector){policystore.Register},
		Setup: func(le *ledgertest.Env) {
			cache = policystore.NewCache(le.Store)
			le.Projector.Observe(cache.Observer())
		},
	})
	return env{bus: le.Bus, store: le.Store, observed: cache}
}

func (e env) write(t *testing.T, name, text string) {
	t.Helper()
	_, err := policy.ExecWrite(context.Background(), e.bus, policy.Write{Name: name, Text: text})
	require.NoError(t, err)
}

func allowed(t *testing.T, c *policystore.Cache, names []string, path string, op acl.Operation) bool {
	t.Helper()
	a, err := c.ACL(names)
	require.NoError(t, err)
	return a.Check(path, op).Allowed
}

func TestStoreGetList(t *testing.T) {
	e := start(t)
	p, err := policystore.Get(e.store, "default")
	require.NoError(t, err)
	assert.Equal(t, acl.DefaultPolicy, p.Text, "the built-in default exists before any write")
	_, err = policystore.Get(e.store, "nope")
	assert.ErrorIs(t, err, policystore.ErrNotFound)

	e.write(t, "zeta", `path "z" { capabilities = ["read"] }`)
	e.write(t, "alpha", `path "a" { capabilities = ["read"] }`)
	e.write(t, "default", `path "d" { capabilities = ["read"] }`)
	names, err := policystore.List(e.store)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "default", "zeta"}, names)
	p, err = policystore.Get(e.store, "default")
	require.NoError(t, err)
	assert.Equal(t, `path "d" { capabilities = ["read"] }`, p.Text, "a written default replaces the built-in text")

	_, err = policy.ExecDelete(context.Background(), e.bus, policy.Delete{Name: "zeta"})
	require.NoError(t, err)
	names, err = policystore.List(e.store)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "default"}, names)
}

func TestCacheACL(t *testing.T) {
	e := start(t)
	c := e.observed
	assert.True(t, allowed(t, c, []string{"default"}, "auth/token/lookup-self", acl.OpRead), "built-in default applies")
	assert.False(t, allowed(t, c, []string{"default"}, "secret/data/x", acl.OpRead))

	root, err := c.ACL([]string{"default", "Root"})
	require.NoError(t, err)
	assert.True(t, root.IsRoot())

	e.write(t, "app", `path "secret/data/*" { capabilities = ["read"] }`)
	// Missing names are ignored, names are case-insensitive, order and
	// duplicates do not matter.
	assert.True(t, allowed(t, c, []string{"missing", "APP", "default", "app"}, "secret/data/x", acl.OpRead))
	a1, err := c.ACL([]string{"default", "app"})
	require.NoError(t, err)
	a2, err := c.ACL([]string{"app", "default", "app"})
	require.NoError(t, err)
	assert.Same(t, a1, a2, "the compiled ACL of a policy set is cached")

	none, err := c.ACL(nil)
	require.NoError(t, err)
	assert.False(t, none.Check("secret/data/x", acl.OpRead).Allowed, "no policies deny everything")
}

func TestCacheInvalidation(t *testing.T) {
	e := start(t)
	e.write(t, "app", `path "secret/data/*" { capabilities = ["read"] }`)

	// A cache nobody invalidates keeps what it parsed: it really caches.
	detached := policystore.NewCache(e.store)
	assert.True(t, allowed(t, detached, []string{"app"}, "secret/data/x", acl.OpRead))
	assert.True(t, allowed(t, e.observed, []string{"app"}, "secret/data/x", acl.OpRead))

	e.write(t, "app", `path "secret/data/*" { capabilities = ["deny"] }`)
	assert.True(t, allowed(t, detached, []string{"app"}, "secret/data/x", acl.OpRead), "stale until invalidated")

	// The observer invalidates every node's cache on policy events.
	require.Eventually(t, func() bool {
		return !allowed(t, e.observed, []string{"app"}, "secret/data/x", acl.OpRead)
	}, 5*time.Second, 5*time.Millisecond)

	// Invalidate takes effect at once (the writer's own node uses it).
	detached.Invalidate("APP")
	assert.False(t, allowed(t, detached, []string{"app"}, "secret/data/x", acl.OpRead))

	_, err := policy.ExecDelete(context.Background(), e.bus, policy.Delete{Name: "app"})
	require.NoError(t, err)
	detached.Invalidate("app")
	a, err := detached.ACL([]string{"app"})
	require.NoError(t, err)
	assert.Equal(t, []string{"deny"}, a.Capabilities("secret/data/x"), "a deleted policy is ignored")
}

func TestMountAccess(t *testing.T) {
	e := start(t)
	e.write(t, "deep", `path "secret/data/app/*" { capabilities = ["read"] }`)
	e.write(t, "plus", `path "+/data/shared" { capabilities = ["read"] }`)
	e.write(t, "deny", `path "secret/data/app/*" { capabilities = ["deny"] }`)
	e.write(t, "subscribe", `path "events/topic/*" { capabilities = ["subscribe"] }`)
	e.write(t, "exact", `path "kv" { capabilities = ["list"] }`)
	c := e.observed
	for _, tc := range []struct {
		names []string
		mount string
		want  bool
	}{
		{[]string{"deep"}, "secret/", true},
		{[]string{"deep"}, "other/", false},
		{[]string{"deep"}, "secret/data/app/x/", true}, // the mount path itself is allowed
		{[]string{"deep", "deny"}, "secret/", false},   // deny wins on the merged rule
		{[]string{"plus"}, "anything/", true},
		{[]string{"plus"}, "a/b/", false},
		{[]string{"subscribe"}, "events/", false}, // subscribe below the mount is no access
		{[]string{"exact"}, "kv/", true},
		{[]string{"default"}, "secret/", false},
		{[]string{"default"}, "sys/", true},
		{[]string{"root"}, "whatever/", true},
		{nil, "secret/", false},
	} {
		got, err := c.MountAccess(tc.names, tc.mount)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v on %s", tc.names, tc.mount)
	}
}
