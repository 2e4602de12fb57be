package databasestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/databasestore"
)

const mount = "database_1a2b"

func strp(s string) *string { return &s }

func start(t *testing.T) (*ledgertest.Env, *cmddb.Runner) {
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){databasestore.Register}})
	return le, &cmddb.Runner{Bus: le.Bus, Mount: mount}
}

func get(t *testing.T, le *ledgertest.Env, name string) *databasestore.Config {
	t.Helper()
	c, err := databasestore.GetConfig(le.Store, le.Ledger.Barrier(), mount, name)
	require.NoError(t, err)
	return c
}

func TestConfigLifecycleKeepsPasswordsSealed(t *testing.T) {
	le, r := start(t)
	ctx := context.Background()
	const root, rotated = "root-password-7f3a9c", "rotated-password-b81e44"
	_, err := r.WriteConfig(ctx, "db", cmddb.ConfigWrite{
		PluginName: strp(cmddb.PluginPostgres), ConnectionURL: strp("postgresql://{{username}}:{{password}}@h/db"),
		Username: strp("vault-root"), Password: strp(root),
	}, nil)
	require.NoError(t, err)
	c := get(t, le, "db")
	assert.Equal(t, root, c.Password)
	assert.Equal(t, uint64(1), c.Version)
	assert.Empty(t, ledgertest.RawHits(t, le.Store, root), "the root password is sealed in pebble")

	// An update without a password keeps it.
	_, err = r.WriteConfig(ctx, "db", cmddb.ConfigWrite{Username: strp("other")}, nil)
	require.NoError(t, err)
	c = get(t, le, "db")
	assert.Equal(t, root, c.Password)
	assert.Equal(t, "other", c.Username)

	// Rotation: pending, then promoted.
	require.NoError(t, r.StartRotation(ctx, "db", rotated))
	c = get(t, le, "db")
	assert.Equal(t, root, c.Password)
	assert.Equal(t, rotated, c.PendingPassword)
	assert.Empty(t, ledgertest.RawHits(t, le.Store, rotated))
	require.ErrorIs(t, r.StartRotation(ctx, "db", "third"), cmddb.ErrRotationPending)
	require.NoError(t, r.FinishRotation(ctx, "db"))
	c = get(t, le, "db")
	assert.Equal(t, rotated, c.Password)
	assert.Empty(t, c.PendingPassword)

	// A refused rotation leaves the current password alone.
	require.NoError(t, r.StartRotation(ctx, "db", "refused-password-1"))
	require.NoError(t, r.AbandonRotation(ctx, "db", "syntax error"))
	c = get(t, le, "db")
	assert.Equal(t, rotated, c.Password)
	assert.Empty(t, c.PendingPassword)

	// A rebuild from the ledger arrives at the same state.
	le.ResetProjections(t)
	r = &cmddb.Runner{Bus: le.Bus, Mount: mount}
	again := get(t, le, "db")
	assert.Equal(t, c, again)

	names, err := databasestore.ListConfigs(le.Store, mount)
	require.NoError(t, err)
	assert.Equal(t, []string{"db"}, names)
	deleted, err := r.DeleteConfig(ctx, "db")
	require.NoError(t, err)
	assert.True(t, deleted)
	_, err = databasestore.GetConfig(le.Store, le.Ledger.Barrier(), mount, "db")
	require.ErrorIs(t, err, databasestore.ErrNotFound)
	ok, err := databasestore.ConfigExists(le.Store, mount, "db")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestRoles(t *testing.T) {
	le, r := start(t)
	ctx := context.Background()
	creation := []string{`CREATE ROLE "{{name}}"`}
	require.NoError(t, r.WriteRole(ctx, "b", cmddb.RoleWrite{DBName: strp("db"), CreationStatements: &creation}, nil))
	ttl := 2 * time.Hour
	require.NoError(t, r.WriteRole(ctx, "a", cmddb.RoleWrite{DBName: strp("db"), CreationStatements: &creation, DefaultTTL: &ttl}, nil))
	role, err := databasestore.GetRole(le.Store, mount, "a")
	require.NoError(t, err)
	assert.Equal(t, ttl, role.DefaultTTL)
	assert.Equal(t, creation, role.Statements.Creation)
	names, err := databasestore.ListRoles(le.Store, mount)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names)
	other, err := databasestore.ListRoles(le.Store, "database_other")
	require.NoError(t, err)
	assert.Empty(t, other, "mounts do not see each other's roles")
	require.NoError(t, r.DeleteRole(ctx, "a"))
	_, err = databasestore.GetRole(le.Store, mount, "a")
	require.ErrorIs(t, err, databasestore.ErrNotFound)
}
