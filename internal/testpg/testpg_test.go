package testpg_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }

func TestSharedClusterServesTheAppDatabase(t *testing.T) {
	pg := testpg.Shared(t)
	require.Same(t, pg, testpg.Shared(t), "one cluster per test binary")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	require.NoError(t, pg.Admin(t).QueryRow(ctx, "SELECT count(*) FROM public."+testpg.Table).Scan(&n))
	assert.Equal(t, 2, n)

	var seq string
	require.NoError(t, pg.Admin(t).QueryRow(ctx,
		"SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'").Scan(&seq))
	assert.Equal(t, testpg.Table+"_id_seq", seq)
	assert.True(t, pg.RoleExists(t, testpg.SuperUser))
	assert.False(t, pg.RoleExists(t, "nobody-here"))
}

func TestTCPLoginNeedsThePassword(t *testing.T) {
	pg := testpg.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conn, err := pg.Connect(ctx, testpg.SuperUser, pg.SuperPassword, testpg.Database)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	_, err = pg.Connect(ctx, testpg.SuperUser, "wrong-password", testpg.Database)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "password authentication failed")

	var method string
	require.NoError(t, pg.Admin(t).QueryRow(ctx,
		"SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND address = '127.0.0.1'").Scan(&method))
	assert.Equal(t, "scram-sha-256", method)
}

func TestStopAndRestartKeepDataAndPort(t *testing.T) {
	pg := testpg.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	port := pg.Port
	_, err := pg.Admin(t).Exec(ctx, "CREATE TABLE public.kept (x int)")
	require.NoError(t, err)

	require.NoError(t, pg.Stop())
	require.NoError(t, pg.Stop(), "stopping twice is fine")
	_, err = pg.Connect(ctx, testpg.SuperUser, pg.SuperPassword, testpg.Database)
	require.Error(t, err, "a stopped cluster refuses connections")

	require.NoError(t, pg.Start())
	assert.Equal(t, port, pg.Port)
	conn, err := pg.Connect(ctx, testpg.SuperUser, pg.SuperPassword, testpg.Database)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SELECT * FROM public.kept")
	require.NoError(t, err)
}

func TestStartRemovesTheClusterAtCleanup(t *testing.T) {
	var dir string
	t.Run("owner", func(t *testing.T) {
		pg := testpg.Start(t)
		dir = pg.Dir
		_, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION"))
		require.NoError(t, err)
	})
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "cluster directory removed: %v", err)
}
