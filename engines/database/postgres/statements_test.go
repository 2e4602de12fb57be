package postgres

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tutorialCreation is the seed tutorial's creation_statements for
// myapp-readwrite, verbatim.
const tutorialCreation = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{{name}}";
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}";`

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"tutorial", tutorialCreation, []string{
			`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
			`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{{name}}"`,
			`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{{name}}"`,
		}},
		{"no trailing semicolon", "SELECT 1", []string{"SELECT 1"}},
		{"empty statements dropped", " ; ;\n SELECT 1 ;; ", []string{"SELECT 1"}},
		{"semicolon in literal", "SELECT 'a;b'; SELECT 2", []string{"SELECT 'a;b'", "SELECT 2"}},
		{"doubled quote in literal", "SELECT 'it''s; fine'; SELECT 2", []string{"SELECT 'it''s; fine'", "SELECT 2"}},
		{"escape string", `SELECT E'a\';b'; SELECT 2`, []string{`SELECT E'a\';b'`, "SELECT 2"}},
		{"backslash in standard string is literal", `SELECT 'a\'; SELECT 2`, []string{`SELECT 'a\'`, "SELECT 2"}},
		{"identifier ending in E is no escape string", `SELECT 1 AS typE';x'`, []string{`SELECT 1 AS typE';x'`}},
		{"semicolon in identifier", `CREATE ROLE "a;b"; SELECT 2`, []string{`CREATE ROLE "a;b"`, "SELECT 2"}},
		{"doubled quote in identifier", `SELECT 1 AS "x"";y"; SELECT 2`, []string{`SELECT 1 AS "x"";y"`, "SELECT 2"}},
		{"dollar quoted DO block",
			"DO $$ BEGIN EXECUTE 'GRANT x TO y'; RAISE NOTICE 'a;b'; END $$; SELECT 2",
			[]string{"DO $$ BEGIN EXECUTE 'GRANT x TO y'; RAISE NOTICE 'a;b'; END $$", "SELECT 2"}},
		{"tagged dollar quote with nested $$",
			"CREATE FUNCTION f() RETURNS int AS $fn$ SELECT $$;$$; SELECT 1 $fn$ LANGUAGE sql; SELECT 2",
			[]string{"CREATE FUNCTION f() RETURNS int AS $fn$ SELECT $$;$$; SELECT 1 $fn$ LANGUAGE sql", "SELECT 2"}},
		{"positional parameter is no dollar quote", "SELECT $1; SELECT $2", []string{"SELECT $1", "SELECT $2"}},
		{"dollar inside identifier is no quote", "SELECT a$b$c; SELECT 2", []string{"SELECT a$b$c", "SELECT 2"}},
		{"line comment", "SELECT 1 -- not; split\n; SELECT 2", []string{"SELECT 1 -- not; split", "SELECT 2"}},
		{"nested block comment", "SELECT /* a /* ; */ ; */ 1; SELECT 2", []string{"SELECT /* a /* ; */ ; */ 1", "SELECT 2"}},
		{"comment-only statements dropped", "-- a\n; /* b */ ; SELECT 1; -- tail", []string{"SELECT 1"}},
		{"minus is no comment", "SELECT 1-2; SELECT 3", []string{"SELECT 1-2", "SELECT 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitStatements(tt.sql)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSplitStatementsRejectsUnterminated(t *testing.T) {
	for _, sql := range []string{
		"SELECT 'abc",
		`SELECT "abc`,
		"DO $$ BEGIN",
		"DO $x$ BEGIN $$ END",
		"SELECT /* /* */",
		`SELECT E'abc\'`,
	} {
		t.Run(sql, func(t *testing.T) {
			_, err := SplitStatements(sql)
			assert.ErrorIs(t, err, ErrBadStatements)
		})
	}
}

func TestPrepareSplitsBeforeRendering(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	got, err := prepare([]string{tutorialCreation, "ALTER ROLE {{ name }} SET search_path = {{unknown}}"}, map[string]string{
		"name":       "v-token-role-abc-1",
		"password":   "pw;with-semicolon",
		"expiration": formatExpiration(exp),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`CREATE ROLE "v-token-role-abc-1" WITH LOGIN PASSWORD 'pw;with-semicolon' VALID UNTIL '2030-01-02 02:04:05+0000'`,
		`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "v-token-role-abc-1"`,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "v-token-role-abc-1"`,
		`ALTER ROLE v-token-role-abc-1 SET search_path = {{unknown}}`,
	}, got)
}

func TestFormatExpiration(t *testing.T) {
	assert.Equal(t, "infinity", formatExpiration(time.Time{}))
	assert.Equal(t, "2024-02-29 23:59:59+0000", formatExpiration(time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)))
}
