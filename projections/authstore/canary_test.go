package authstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cmdapprole "github.com/cofferhq/coffer/commands/approle"
	cmdk8s "github.com/cofferhq/coffer/commands/kubernetes"
	cmdtoken "github.com/cofferhq/coffer/commands/token"
	cmduserpass "github.com/cofferhq/coffer/commands/userpass"
	"github.com/cofferhq/coffer/events/approleevent"
	"github.com/cofferhq/coffer/events/kubernetesevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/events/userpassevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/authstore"
)

const mount = "auth_1a2b3c"

func start(t *testing.T) *ledgertest.Env {
	return ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){
		authstore.RegisterUserpass, authstore.RegisterAppRole, authstore.RegisterKubernetes, authstore.RegisterTokenRoles,
	}})
}

// canary is a name no key or value may hold in plaintext.
func canary(what string) string { return "canary" + what + ledger.NewID()[:12] }

// noPlaintext fails when a canary shows in a pebble key or value, in the
// live store or one replayed from the ledger.
func noPlaintext(t *testing.T, le *ledgertest.Env, canaries ...string) {
	t.Helper()
	assert.Empty(t, ledgertest.RawHits(t, le.Store, canaries...), "a name in plaintext in pebble")
	assert.Empty(t, ledgertest.RawHits(t, le.Replay(t), canaries...), "a name in plaintext in a replayed store")
}

// named is one read model of named records, as its tests drive it.
type named struct {
	write func(name string) error
	// get returns the name in the record found under name.
	get  func(name string) (string, error)
	list func() ([]string, error)
	del  func(name string) error
}

// checkNamed writes three records, one named by a canary, checks no key
// or value holds the canary, and that get, list (sorted by name, as with
// plaintext keys) and delete behave as before.
func checkNamed(t *testing.T, le *ledgertest.Env, what string, m named) {
	t.Helper()
	name := canary(what)
	for _, n := range []string{name, "zeta", "alpha"} {
		require.NoError(t, m.write(n))
	}
	noPlaintext(t, le, name)

	got, err := m.get(name)
	require.NoError(t, err)
	assert.Equal(t, name, got)
	names, err := m.list()
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", name, "zeta"}, names)

	require.NoError(t, m.del(name))
	_, err = m.get(name)
	require.ErrorIs(t, err, authstore.ErrNotFound)
	names, err = m.list()
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "zeta"}, names)
}

func TestUserNamesNotInPlaintext(t *testing.T) {
	le := start(t)
	ctx := context.Background()
	r := &cmduserpass.Runner{Bus: le.Bus, Mount: mount}
	checkNamed(t, le, "user", named{
		write: func(n string) error {
			return r.WriteUser(ctx, n, func(*userpassevent.User) (*userpassevent.User, error) {
				return &userpassevent.User{Name: n, PasswordHash: "hash-of-" + n}, nil
			})
		},
		get: func(n string) (string, error) {
			u, _, err := authstore.GetUser(le.Store, le.Ledger.Barrier(), mount, n)
			if err != nil {
				return "", err
			}
			assert.Equal(t, "hash-of-"+n, u.PasswordHash)
			return u.Name, nil
		},
		list: func() ([]string, error) { return authstore.ListUsers(le.Store, mount) },
		del:  func(n string) error { return r.DeleteUser(ctx, n) },
	})
	other, err := authstore.ListUsers(le.Store, "auth_other")
	require.NoError(t, err)
	assert.Empty(t, other, "another mount's users are its own")
}

func TestAppRoleNamesNotInPlaintext(t *testing.T) {
	le := start(t)
	ctx := context.Background()
	r := &cmdapprole.Runner{Bus: le.Bus, Mount: mount}
	name := canary("role")
	roleID, newRoleID := canary("roleid"), canary("roleid")
	write := func(n, id string) {
		require.NoError(t, r.WriteRole(ctx, n, func(*approleevent.Role) (*approleevent.Role, error) {
			return &approleevent.Role{RoleID: id, HMACKey: "k", BindSecretID: true}, nil
		}))
	}
	write(name, roleID)
	write("beta", "beta-id")
	write("alpha", "alpha-id")
	// A secret ID accessor looks the secret ID up and destroys it: a
	// handle, named by HMAC too.
	accessor := canary("secretidaccessor")
	require.NoError(t, r.RunSecretID(ctx, name, func(*approleevent.Role) (string, error) { return "hmac-1", nil },
		func(_ *approleevent.Role, _ *approleevent.SecretID) ([]approleevent.Event, error) {
			return []approleevent.Event{approleevent.SecretIDIssued{SecretID: approleevent.SecretID{HMAC: "hmac-1", Accessor: accessor}}}, nil
		}))
	noPlaintext(t, le, name, roleID, accessor)

	b := le.Ledger.Barrier()
	got, _, err := authstore.GetAppRole(le.Store, b, mount, name)
	require.NoError(t, err)
	assert.Equal(t, roleID, got.RoleID)
	byID, err := authstore.AppRoleByRoleID(le.Store, b, mount, roleID)
	require.NoError(t, err)
	assert.Equal(t, name, byID, "the role id index finds the role")
	names, err := authstore.ListAppRoles(le.Store, mount)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "beta", name}, names)
	accs, err := authstore.ListSecretIDAccessors(le.Store, mount, name)
	require.NoError(t, err)
	assert.Equal(t, []string{accessor}, accs)
	h, err := authstore.SecretIDHashByAccessor(le.Store, b, mount, name, accessor)
	require.NoError(t, err)
	assert.Equal(t, "hmac-1", h)
	st, _, err := authstore.GetSecretID(le.Store, b, mount, name, "hmac-1")
	require.NoError(t, err)
	assert.Equal(t, accessor, st.Accessor)
	all, err := authstore.ListSecretIDs(le.Store, b, mount, name)
	require.NoError(t, err)
	assert.Len(t, all, 1)
	accs, err = authstore.ListSecretIDAccessors(le.Store, mount, "beta")
	require.NoError(t, err)
	assert.Empty(t, accs, "another role's secret IDs are its own")

	// A new role id replaces the old one in the index.
	write(name, newRoleID)
	_, err = authstore.AppRoleByRoleID(le.Store, b, mount, roleID)
	require.ErrorIs(t, err, authstore.ErrNotFound)
	byID, err = authstore.AppRoleByRoleID(le.Store, b, mount, newRoleID)
	require.NoError(t, err)
	assert.Equal(t, name, byID)

	// Deleting the role takes its index entry and secret IDs with it.
	require.NoError(t, r.DeleteRole(ctx, name))
	_, err = authstore.AppRoleByRoleID(le.Store, b, mount, newRoleID)
	require.ErrorIs(t, err, authstore.ErrNotFound)
	accs, err = authstore.ListSecretIDAccessors(le.Store, mount, name)
	require.NoError(t, err)
	assert.Empty(t, accs)
	_, err = authstore.SecretIDHashByAccessor(le.Store, b, mount, name, accessor)
	require.ErrorIs(t, err, authstore.ErrNotFound)
	names, err = authstore.ListAppRoles(le.Store, mount)
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "beta"}, names)
	noPlaintext(t, le, name, roleID, newRoleID)
}

func TestKubernetesRoleNamesNotInPlaintext(t *testing.T) {
	le := start(t)
	ctx := context.Background()
	r := &cmdk8s.Runner{Bus: le.Bus, Mount: mount}
	checkNamed(t, le, "k8srole", named{
		write: func(n string) error {
			return r.WriteRole(ctx, n, func(*kubernetesevent.Role) (*kubernetesevent.Role, error) {
				return &kubernetesevent.Role{Name: n, BoundServiceAccountNames: []string{"sa"}}, nil
			})
		},
		get: func(n string) (string, error) {
			role, _, err := authstore.GetKubernetesRole(le.Store, le.Ledger.Barrier(), mount, n)
			if err != nil {
				return "", err
			}
			return role.Name, nil
		},
		list: func() ([]string, error) { return authstore.ListKubernetesRoles(le.Store, mount) },
		del:  func(n string) error { return r.DeleteRole(ctx, n) },
	})
}

func TestTokenRoleNamesNotInPlaintext(t *testing.T) {
	le := start(t)
	ctx := context.Background()
	checkNamed(t, le, "tokenrole", named{
		write: func(n string) error {
			return cmdtoken.WriteRole(ctx, le.Bus, n, func(*tokenevent.Role) (*tokenevent.Role, error) {
				return &tokenevent.Role{Renewable: true}, nil
			})
		},
		get: func(n string) (string, error) {
			role, _, err := authstore.GetTokenRole(le.Store, le.Ledger.Barrier(), n)
			if err != nil {
				return "", err
			}
			return role.Name, nil
		},
		list: func() ([]string, error) { return authstore.ListTokenRoles(le.Store) },
		del:  func(n string) error { return cmdtoken.DeleteRole(ctx, le.Bus, n) },
	})
}
