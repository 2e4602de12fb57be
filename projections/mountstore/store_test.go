package mountstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
)

type env struct {
	bus   *commands.Bus
	store *projections.Store
	table *mountstore.Table
}

func start(t *testing.T) env {
	t.Helper()
	var table *mountstore.Table
	le := ledgertest.Start(t, ledgertest.Options{
		Register: []func(*projections.Projector){mountstore.Register},
		Setup: func(le *ledgertest.Env) {
			table = mountstore.NewTable(le.Store)
			le.Projector.Observe(table.Observer())
		},
	})
	return env{bus: le.Bus, store: le.Store, table: table}
}

func TestProjectionAndObserver(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	_, err := mount.ExecEnable(ctx, e.bus, mount.Enable{Path: "kv", Type: "kv-v2", Description: "d"})
	require.NoError(t, err)
	_, err = mount.ExecEnable(ctx, e.bus, mount.Enable{Path: "team/kv", Type: "kv"})
	require.NoError(t, err)

	m, err := mountstore.Get(e.store, "kv/")
	require.NoError(t, err)
	assert.Equal(t, "kv", m.Type)
	assert.Equal(t, "d", m.Description)
	assert.Equal(t, map[string]string{"version": "2"}, m.Options)
	assert.Regexp(t, `^kv_[0-9a-f]{8}$`, m.Accessor)
	assert.False(t, m.CreatedAt.IsZero())

	dur := 90 * time.Minute
	_, err = mount.ExecTune(ctx, e.bus, mount.Tune{Path: "kv", MaxLeaseTTL: &dur})
	require.NoError(t, err)
	m, err = mountstore.Get(e.store, "kv/")
	require.NoError(t, err)
	assert.Equal(t, dur, m.MaxLeaseTTL)
	assert.Equal(t, "d", m.Description, "tune keeps what it does not change")

	list, err := mountstore.List(e.store)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "kv/", list[0].Path)
	assert.Equal(t, "team/kv/", list[1].Path)

	// The observer reloads the routing table after each committed mount
	// event (it runs just after the write becomes visible).
	require.Eventually(t, func() bool {
		got, rel, ok := e.table.Match("team/kv/data/x")
		return ok && got.Path == "team/kv/" && rel == "data/x"
	}, 5*time.Second, 5*time.Millisecond)

	_, err = mount.ExecDisable(ctx, e.bus, mount.Disable{Path: "team/kv"})
	require.NoError(t, err)
	_, err = mountstore.Get(e.store, "team/kv/")
	assert.ErrorIs(t, err, mountstore.ErrNotFound)
	require.Eventually(t, func() bool {
		_, _, ok := e.table.Match("team/kv/data/x")
		return !ok
	}, 5*time.Second, 5*time.Millisecond)
}

func TestDefaultMountsIdempotent(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	deps := e.bus
	require.NoError(t, mount.EnsureDefaultMounts(ctx, deps))
	first, err := mountstore.Get(e.store, "secret/")
	require.NoError(t, err)
	assert.Equal(t, "kv", first.Type)
	assert.Equal(t, "2", first.Options["version"])

	require.NoError(t, mount.EnsureDefaultMounts(ctx, deps))
	again, err := mountstore.Get(e.store, "secret/")
	require.NoError(t, err)
	assert.Equal(t, first.Accessor, again.Accessor, "a second call changes nothing")

	// An operator who disables secret/ keeps it disabled across restarts.
	_, err = mount.ExecDisable(ctx, e.bus, mount.Disable{Path: "secret"})
	require.NoError(t, err)
	require.NoError(t, mount.EnsureDefaultMounts(ctx, deps))
	_, err = mountstore.Get(e.store, "secret/")
	assert.ErrorIs(t, err, mountstore.ErrNotFound)
}
