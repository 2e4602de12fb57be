package pkistore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/pkistore"
)

const mount = "pki_1a2b3c"

// TestRoleNamesNotInPlaintext writes roles, one named by a canary, and
// scans every pebble key and value (live and replayed from the ledger):
// the name is only inside the sealed record. Get, list (sorted) and
// delete behave as with plaintext keys.
func TestRoleNamesNotInPlaintext(t *testing.T) {
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){pkistore.Register}})
	ctx := context.Background()
	reader := pkistore.Reader{Store: le.Store, Ledger: le.Ledger}
	r := &cmdpki.Runner{Bus: le.Bus, Reader: reader, Mount: mount}
	name := "canaryrole" + ledger.NewID()[:12]
	for _, n := range []string{name, "zeta", "alpha"} {
		require.NoError(t, r.WriteRole(ctx, n, []byte(`{"allowed_domains":["`+n+`.example.com"]}`)))
	}
	assert.Empty(t, ledgertest.RawHits(t, le.Store, name), "a role name in plaintext in pebble")
	assert.Empty(t, ledgertest.RawHits(t, le.Replay(t), name), "a role name in plaintext in a replayed store")

	got, err := reader.Role(mount, name)
	require.NoError(t, err)
	assert.JSONEq(t, `{"allowed_domains":["`+name+`.example.com"]}`, string(got))
	names, err := reader.Roles(mount)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", name, "zeta"}, names)
	other, err := reader.Roles("pki_other")
	require.NoError(t, err)
	assert.Empty(t, other, "another mount's roles are its own")

	require.NoError(t, r.DeleteRole(ctx, name))
	_, err = reader.Role(mount, name)
	require.ErrorIs(t, err, pkistore.ErrNotFound)
	names, err = reader.Roles(mount)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "zeta"}, names)
}
