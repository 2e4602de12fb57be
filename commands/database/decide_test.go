package database

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/databasestore"
)

func strp(s string) *string               { return &s }
func intp(v int) *int                     { return &v }
func boolp(v bool) *bool                  { return &v }
func durp(d time.Duration) *time.Duration { return &d }
func listp(v ...string) *[]string         { return &v }
func payload[T any](t *testing.T, e ledger.Event) T {
	t.Helper()
	var out T
	require.NoError(t, json.Unmarshal(e.Data, &out))
	return out
}

func tutorialWrite() ConfigWrite {
	return ConfigWrite{
		PluginName:    strp(PluginPostgres),
		AllowedRoles:  listp("myapp-readonly", "myapp-readwrite"),
		ConnectionURL: strp("postgresql://{{username}}:{{password}}@db.example.com:5432/myapp"),
		Username:      strp("vault-root"),
		Password:      strp("vault-root-password"),
	}
}

func TestMergeConfigCreateAndUpdate(t *testing.T) {
	m, err := MergeConfig(nil, tutorialWrite())
	require.NoError(t, err)
	assert.Equal(t, "vault-root-password", m.Password)
	assert.True(t, m.Changed)
	assert.True(t, m.Settings.VerifyConnection, "verify_connection defaults to true")
	assert.Equal(t, []string{"myapp-readonly", "myapp-readwrite"}, m.Settings.AllowedRoles)

	cur := &databasestore.Config{Name: "myapp-db", ConnectionSettings: m.Settings, Password: m.Password, Version: 1}
	// An update keeps what it does not mention, password included.
	up, err := MergeConfig(cur, ConfigWrite{AllowedRoles: listp("*"), MaxOpenConnections: intp(8), VerifyConnection: boolp(false)})
	require.NoError(t, err)
	assert.Equal(t, "vault-root-password", up.Password)
	assert.False(t, up.Changed)
	assert.Equal(t, cur.ConnectionURL, up.Settings.ConnectionURL)
	assert.Equal(t, []string{"*"}, up.Settings.AllowedRoles)
	assert.Equal(t, 8, up.Settings.MaxOpenConnections)
	assert.False(t, up.Settings.VerifyConnection)
	assert.Equal(t, []string{"myapp-readonly", "myapp-readwrite"}, cur.AllowedRoles, "the current state is not modified")

	// Blank entries are dropped, as Vault's RemoveEmpty does.
	up, err = MergeConfig(cur, ConfigWrite{AllowedRoles: listp("a", " ", ""), RootRotationStatements: listp("", "ALTER ...")})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, up.Settings.AllowedRoles)
	assert.Equal(t, []string{"ALTER ..."}, up.Settings.RootRotationStatements)
	assert.True(t, up.Settings.VerifyConnection, "verify_connection is per write, true unless given")
}

func TestMergeConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*ConfigWrite)
		msg  string
	}{
		{"no plugin", func(w *ConfigWrite) { w.PluginName = nil }, "empty plugin name"},
		{"blank plugin", func(w *ConfigWrite) { w.PluginName = strp("  ") }, "empty plugin name"},
		{"other plugin", func(w *ConfigWrite) { w.PluginName = strp("mysql-database-plugin") }, `unsupported plugin_name "mysql-database-plugin"`},
		{"no url", func(w *ConfigWrite) { w.ConnectionURL = nil }, "connection_url cannot be empty"},
		{"negative pool", func(w *ConfigWrite) { w.MaxOpenConnections = intp(-1) }, "cannot be negative"},
		{"negative lifetime", func(w *ConfigWrite) { w.MaxConnectionLifetime = durp(-time.Second) }, "cannot be negative"},
		{"md5", func(w *ConfigWrite) { w.PasswordAuthentication = strp("md5") }, "password_authentication must be"},
	} {
		w := tutorialWrite()
		tc.edit(&w)
		_, err := MergeConfig(nil, w)
		require.ErrorIs(t, err, ErrInvalid, tc.name)
		assert.Contains(t, err.Error(), tc.msg, tc.name)
	}
	_, err := MergeConfig(nil, ConfigWrite{PluginName: strp(PluginPostgres), ConnectionURL: strp("x"), PasswordAuthentication: strp("scram-sha-256")})
	require.NoError(t, err)
}

func TestConfigEvents(t *testing.T) {
	st := ConfigState{Mount: "m1", Name: "db"}
	m, err := MergeConfig(nil, tutorialWrite())
	require.NoError(t, err)
	evs, err := DecideWriteConfig(st, m)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, databaseevent.EventConfigWritten, evs[0].Type)
	assert.Equal(t, databaseevent.KindConfig, evs[0].Kind)
	assert.Equal(t, "m1/db", evs[0].Aggregate)
	assert.Equal(t, uint64(1), evs[0].Version)
	e := payload[databaseevent.ConfigWritten](t, evs[0])
	require.NotNil(t, e.Password)
	assert.Equal(t, "vault-root-password", *e.Password)

	// An update that does not set the password does not repeat it.
	st = ConfigState{Mount: "m1", Name: "db", Version: 4, Config: &databasestore.Config{Name: "db", ConnectionSettings: m.Settings, Password: m.Password}}
	up, err := MergeConfig(st.Config, ConfigWrite{AllowedRoles: listp("*")})
	require.NoError(t, err)
	evs, err = DecideWriteConfig(st, up)
	require.NoError(t, err)
	assert.Equal(t, uint64(5), evs[0].Version)
	assert.Nil(t, payload[databaseevent.ConfigWritten](t, evs[0]).Password)
	assert.NotContains(t, string(evs[0].Data), "vault-root-password")

	assert.Empty(t, DecideDeleteConfig(ConfigState{Mount: "m1", Name: "gone", Version: 3}), "deleting nothing is a no-op")
	evs = DecideDeleteConfig(st)
	require.Len(t, evs, 1)
	assert.Equal(t, databaseevent.EventConfigDeleted, evs[0].Type)
}

func TestConfigWarnings(t *testing.T) {
	assert.Empty(t, ConfigWarnings(databaseevent.ConnectionSettings{ConnectionURL: "postgresql://{{username}}:{{password}}@h/db"}))
	assert.Empty(t, ConfigWarnings(databaseevent.ConnectionSettings{ConnectionURL: "postgresql://user@h/db"}))
	assert.Len(t, ConfigWarnings(databaseevent.ConnectionSettings{ConnectionURL: "postgresql://user:secret@h/db"}), 1)
}

func TestMergeRole(t *testing.T) {
	creation := `CREATE ROLE "{{name}}"; GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO "{{name}}";`
	r, err := MergeRole(nil, RoleWrite{DBName: strp("db"), CreationStatements: listp(creation), DefaultTTL: durp(time.Hour), MaxTTL: durp(24 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, []string{creation}, r.Statements.Creation, "a statement string is kept whole, commas and all")
	assert.Equal(t, time.Hour, r.DefaultTTL)

	up, err := MergeRole(&r, RoleWrite{RevocationStatements: listp(`DROP ROLE "{{name}}"`, "")})
	require.NoError(t, err)
	assert.Equal(t, r.Statements.Creation, up.Statements.Creation)
	assert.Equal(t, []string{`DROP ROLE "{{name}}"`}, up.Statements.Revocation)
	assert.Equal(t, 24*time.Hour, up.MaxTTL)
	assert.Empty(t, r.Statements.Revocation, "the current role is not modified")

	_, err = MergeRole(nil, RoleWrite{CreationStatements: listp(creation)})
	assert.ErrorContains(t, err, "database name is required")
	_, err = MergeRole(nil, RoleWrite{DBName: strp("db"), CreationStatements: listp(" ")})
	assert.ErrorContains(t, err, "creation_statements are required")
	_, err = MergeRole(nil, RoleWrite{DBName: strp("db"), CreationStatements: listp(creation), DefaultTTL: durp(2 * time.Hour), MaxTTL: durp(time.Hour)})
	assert.NoError(t, err, "a default above the max is capped at issue, as in Vault")

	evs := DecideWriteRole(RoleState{Mount: "m", Name: "r", Version: 2}, up)
	require.Len(t, evs, 1)
	e := payload[databaseevent.RoleWritten](t, evs[0])
	assert.Equal(t, int64(3600), e.DefaultTTL)
	assert.Equal(t, int64(86400), e.MaxTTL)
	assert.Equal(t, uint64(3), evs[0].Version)
	assert.Empty(t, DecideDeleteRole(RoleState{Mount: "m", Name: "r"}))
}

func TestRotationLifecycle(t *testing.T) {
	cfg := &databasestore.Config{Name: "db", ConnectionSettings: databaseevent.ConnectionSettings{Username: "root"}, Password: "old"}
	st := ConfigState{Mount: "m", Name: "db", Config: cfg, Version: 2}

	_, err := DecideStartRotation(ConfigState{Mount: "m", Name: "db"}, "new")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = DecideStartRotation(ConfigState{Mount: "m", Name: "db", Config: &databasestore.Config{Name: "db"}}, "new")
	assert.ErrorContains(t, err, "no username in configuration")
	_, err = DecideRotated(st)
	assert.ErrorIs(t, err, ErrNoRotationPending)

	evs, err := DecideStartRotation(st, "new")
	require.NoError(t, err)
	assert.Equal(t, "new", payload[databaseevent.RootRotationStarted](t, evs[0]).Password)

	pending := *cfg
	pending.PendingPassword = "new"
	st.Config = &pending
	_, err = DecideStartRotation(st, "newer")
	assert.ErrorIs(t, err, ErrRotationPending, "one rotation at a time")
	evs, err = DecideRotated(st)
	require.NoError(t, err)
	assert.Equal(t, databaseevent.EventRootRotated, evs[0].Type)
	assert.NotContains(t, string(evs[0].Data), "new", "the completion carries no password")
	evs, err = DecideRotationFailed(st, "refused")
	require.NoError(t, err)
	assert.Equal(t, databaseevent.EventRootRotationFailed, evs[0].Type)
}

func TestLeaseTTL(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		name                                 string
		roleDef, roleMax, mountDef, mountMax time.Duration
		ttl, max                             time.Duration
		warnings                             int
	}{
		{"tutorial", h, 24 * h, 0, 0, h, 24 * h, 0},
		{"system defaults", 0, 0, 0, 0, 768 * h, 768 * h, 0},
		{"mount default", 0, 0, 2 * h, 0, 2 * h, 768 * h, 0},
		{"mount max caps the role max", h, 48 * h, 0, 10 * h, h, 10 * h, 1},
		{"role max caps the default", 10 * h, 2 * h, 0, 0, 2 * h, 2 * h, 1},
		{"mount max caps the mount default", 0, 0, 5 * h, 3 * h, 3 * h, 3 * h, 0},
		{"short", 2 * time.Second, time.Minute, 0, 0, 2 * time.Second, time.Minute, 0},
	} {
		ttl, max, warnings := LeaseTTL(tc.roleDef, tc.roleMax, tc.mountDef, tc.mountMax)
		assert.Equal(t, tc.ttl, ttl, tc.name)
		assert.Equal(t, tc.max, max, tc.name)
		assert.Len(t, warnings, tc.warnings, tc.name)
	}
}

func TestRoleAllowed(t *testing.T) {
	for _, tc := range []struct {
		allowed []string
		role    string
		want    bool
	}{
		{[]string{"myapp-readonly", "myapp-readwrite"}, "myapp-readwrite", true},
		{[]string{"myapp-readonly", "myapp-readwrite"}, "myapp-admin", false},
		{nil, "anything", false},
		{[]string{"*"}, "anything", true},
		{[]string{"myapp-*"}, "myapp-admin", true},
		{[]string{"myapp-*"}, "other-admin", false},
		{[]string{"*-readonly"}, "myapp-readonly", true},
		{[]string{"a*b*c"}, "a-x-b-y-c", true},
		{[]string{"a*b*c"}, "a-x-c", false},
		{[]string{"x*x"}, "x", false},
		{[]string{"myapp"}, "myapp-readonly", false},
	} {
		assert.Equal(t, tc.want, RoleAllowed(tc.allowed, tc.role), "%v %s", tc.allowed, tc.role)
	}
}
