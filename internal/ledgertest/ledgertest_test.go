package ledgertest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
)

func TestStartRestartResetReplay(t *testing.T) {
	ctx := context.Background()
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){mountstore.Register}})
	require.False(t, env.Ledger.Sealed())
	_, err := mount.ExecEnable(ctx, env.Bus, mount.Enable{Path: "kv", Type: "kv"})
	require.NoError(t, err)

	dir := env.Dir
	env.Restart(t)
	require.Equal(t, dir, env.Dir)
	require.False(t, env.Ledger.Sealed(), "a restart unseals again")
	_, err = mountstore.Get(env.Store, "kv/")
	require.NoError(t, err)

	env.ResetProjections(t)
	_, err = mountstore.Get(env.Store, "kv/")
	require.NoError(t, err, "a reset replays the ledger")

	replayed := env.Replay(t)
	_, err = mountstore.Get(replayed, "kv/")
	require.NoError(t, err)

	env.Stop()
	env.Stop()
}

func TestSealedAndLedgerOnly(t *testing.T) {
	sealed := ledgertest.Start(t, ledgertest.Options{Sealed: true})
	ok, err := sealed.Ledger.Initialized(context.Background())
	require.NoError(t, err)
	require.False(t, ok)
	require.Nil(t, sealed.Store)

	bare := ledgertest.Start(t, ledgertest.Options{NoProjections: true})
	require.False(t, bare.Ledger.Sealed())
	require.Nil(t, bare.Store)
	require.Nil(t, bare.Bus)
}
