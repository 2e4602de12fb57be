package database

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// TestStatementsFieldKeepsCommas: statements are Vault's TypeStringSlice,
// so one string (what "creation_statements=@create.sql" sends) is one
// statement list entry however many commas it holds; allowed_roles is the
// comma-string-or-list type.
func TestStatementsFieldKeepsCommas(t *testing.T) {
	fields := func(data map[string]any) *framework.Request {
		req := &framework.Request{Data: data, FieldData: &framework.FieldData{Raw: data, Schema: roleFields}}
		require.NoError(t, req.Validate())
		return req
	}
	one := `GRANT SELECT, INSERT ON t TO "{{name}}"; GRANT USAGE ON SCHEMA s TO "{{name}}"`
	req := fields(map[string]any{"creation_statements": one, "revocation_statements": []any{"a, b", "c"}, "renew_statements": json.Number("3")})
	assert.Equal(t, []string{one}, *optList(req, "creation_statements"))
	assert.Equal(t, []string{"a, b", "c"}, *optList(req, "revocation_statements"))
	assert.Equal(t, []string{"3"}, *optList(req, "renew_statements"), "a number is a one-statement list, as Vault's weak decoding makes it")
	assert.Nil(t, optList(req, "rollback_statements"))

	cfg := &framework.Request{FieldData: &framework.FieldData{Raw: map[string]any{"allowed_roles": "myapp-readonly, myapp-readwrite"}, Schema: configFields}}
	assert.Equal(t, []string{"myapp-readonly", "myapp-readwrite"}, *optList(cfg, "allowed_roles"))
}

func TestCheckSyntax(t *testing.T) {
	for _, tc := range []struct {
		stmt string
		ok   bool
	}{
		{`CREATE ROLE "{{name}}"; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`, true},
		{`DO $$ BEGIN EXECUTE 'CREATE ROLE x'; COMMIT; END $$`, true}, // inside a DO body: PostgreSQL refuses it itself
		{`CREATE ROLE "{{name}}" COMMENT 'begin; commit'`, true},
		{`-- BEGIN` + "\n" + `CREATE ROLE "{{name}}"`, true},
		{`CREATE ROLE "{{name}}"; COMMIT`, false},
		{`begin; CREATE ROLE "{{name}}"`, false},
		{`START TRANSACTION`, false},
		{`  /* c */ -- d` + "\n" + ` ROLLBACK`, false},
		{`END`, false},
		{`SAVEPOINT s`, false},
		{`PREPARE TRANSACTION 'x'`, false},
		{`CREATE ROLE "{{name}}" PASSWORD '{{password}}`, false}, // unterminated
		{`ENDPOINT_THING()`, true},                               // a word that starts with END
	} {
		err := checkSyntax([]string{tc.stmt})
		assert.Equal(t, tc.ok, err == nil, "%q: %v", tc.stmt, err)
	}
}

func TestCheckRoleNeedsTheUser(t *testing.T) {
	role := databasestore.Role{DBName: "db", Statements: databaseevent.Statements{Creation: []string{`CREATE ROLE admin SUPERUSER`}}}
	assert.ErrorContains(t, checkRole(role), "mentions {{name}}")
	role.Statements.Creation = []string{`CREATE ROLE "{{ username }}"`}
	assert.NoError(t, checkRole(role))
	role.Statements.Revocation = []string{`DROP ROLE "{{name}}"; COMMIT`}
	assert.ErrorContains(t, checkRole(role), "revocation_statements")
}

func TestConfigDataNeverHasThePassword(t *testing.T) {
	d := configData(databaseevent.ConnectionSettings{
		PluginName: "postgresql-database-plugin", ConnectionURL: "postgresql://root:hunter2@db:5432/app",
		Username: "root", MaxOpenConnections: 8, VerifyConnection: true,
	})
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "hunter2")
	details := d["connection_details"].(map[string]any)
	assert.Equal(t, "postgresql://root:xxxxx@db:5432/app", details["connection_url"])
	assert.Equal(t, 8, details["max_open_connections"])
	assert.Equal(t, []string{}, d["allowed_roles"], "lists read as empty, never null")
	assert.Equal(t, "postgresql://{{username}}:{{password}}@db/app", redactURL("postgresql://{{username}}:{{password}}@db/app"))
}
