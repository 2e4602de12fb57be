package acl

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// body decodes a request body the way the gateway does (json.Number).
func body(t *testing.T, text string) map[string]any {
	t.Helper()
	if text == "" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	return m
}

type authzCase struct {
	path    string
	op      Operation
	body    string // JSON object, "" for none
	allowed bool
	reason  string // expected Reason when refused ("" = don't care)
}

func runAuthz(t *testing.T, a *ACL, cases []authzCase) {
	t.Helper()
	for _, c := range cases {
		res := a.Authorize(c.path, c.op, Request{Data: body(t, c.body)})
		assert.Equal(t, c.allowed, res.Allowed, "%s %s %s: %s", c.op, c.path, c.body, res.Reason)
		if !c.allowed && c.reason != "" {
			assert.Equal(t, c.reason, res.Reason, "%s %s %s", c.op, c.path, c.body)
		}
		if c.allowed {
			assert.Empty(t, res.Reason)
		}
	}
}

// TestIssueDeletionAllowed is issue 10 item 1 as reported: a policy that
// denies deletion_allowed on transit/keys/* let the parameter through.
func TestIssueDeletionAllowed(t *testing.T) {
	a := New(mustParse(t, "transit-ops", `
path "transit/keys/*" {
  capabilities      = ["create", "read", "update"]
  denied_parameters = { "deletion_allowed" = [] }
}`))
	runAuthz(t, a, []authzCase{
		{"transit/keys/k/config", OpUpdate, `{"deletion_allowed": true}`, false, ReasonParamDenied + "deletion_allowed"},
		{"transit/keys/k/config", OpUpdate, `{"deletion_allowed": "false"}`, false, ""},
		{"transit/keys/k/config", OpUpdate, `{"Deletion_Allowed": true}`, false, ReasonParamDenied + "Deletion_Allowed"},
		{"transit/keys/k/config", OpUpdate, `{"min_decryption_version": 2}`, true, ""},
		{"transit/keys/k/config", OpCreate, `{"deletion_allowed": true, "exportable": true}`, false, ""},
		{"transit/keys/k/config", OpUpdate, ``, true, ""},
		// Delete and list carry no parameters Vault checks.
		{"transit/keys/k", OpRead, `{"deletion_allowed": "x"}`, false, ""},
	})
}

func TestAllowedParameters(t *testing.T) {
	a := New(mustParse(t, "p", `
path "auth/userpass/users/*" {
  capabilities       = ["update"]
  allowed_parameters = { "password" = [] }
}
path "transit/keys/*" {
  capabilities       = ["create", "update"]
  allowed_parameters = { "auto_rotate_period" = ["8h", "24h", "5d"] }
}
path "secret/foo" {
  capabilities       = ["create", "update"]
  allowed_parameters = { "bar" = ["zip", "zap"], "*" = [] }
}
path "glob/values" {
  capabilities       = ["update"]
  allowed_parameters = { "name" = ["team-*", "*-svc", "*mid*", "*"], "Role" = ["r"] }
}
path "star/only" {
  capabilities       = ["update"]
  allowed_parameters = { "*" = [] }
}
path "typed" {
  capabilities       = ["update"]
  allowed_parameters = { "n" = [1, 2.5], "flag" = [false], "m" = [{"k" = "v"}], "l" = [["a", "b"]] }
}
path "empty/map" {
  capabilities       = ["update"]
  allowed_parameters = {}
}`))
	runAuthz(t, a, []authzCase{
		// An empty value list allows any value; other names are refused.
		{"auth/userpass/users/bob", OpUpdate, `{"password": "s3cret"}`, true, ""},
		{"auth/userpass/users/bob", OpUpdate, `{"password": "s3cret", "token_ttl": "1h"}`, false, ReasonParamNotAllow + "token_ttl"},
		{"auth/userpass/users/bob", OpUpdate, `{"PASSWORD": "x"}`, true, ""},
		// A populated list allows only its values.
		{"transit/keys/k", OpCreate, `{"auto_rotate_period": "24h"}`, true, ""},
		{"transit/keys/k", OpCreate, `{"auto_rotate_period": "1h"}`, false, ReasonParamNotAllow + "auto_rotate_period"},
		// "*" lets other names through with any value, listed names stay
		// restricted.
		{"secret/foo", OpCreate, `{"bar": "zap", "other": 1}`, true, ""},
		{"secret/foo", OpCreate, `{"bar": "zoom", "other": 1}`, false, ReasonParamNotAllow + "bar"},
		{"star/only", OpUpdate, `{"anything": [1, 2], "else": {"a": null}}`, true, ""},
		// Vault's globs: prefix, suffix, both; a lone "*" matches only "*".
		{"glob/values", OpUpdate, `{"name": "team-a"}`, true, ""},
		{"glob/values", OpUpdate, `{"name": "db-svc"}`, true, ""},
		{"glob/values", OpUpdate, `{"name": "a-mid-z"}`, true, ""},
		{"glob/values", OpUpdate, `{"name": "*"}`, true, ""},
		{"glob/values", OpUpdate, `{"name": "other"}`, false, ""},
		{"glob/values", OpUpdate, `{"role": "r"}`, true, ""},
		// Lists and comma-separated strings: every element must be allowed
		// (Vault 1.19+); the whole value may also match.
		{"glob/values", OpUpdate, `{"name": ["team-a", "db-svc"]}`, true, ""},
		{"glob/values", OpUpdate, `{"name": ["team-a", "other"]}`, false, ""},
		{"glob/values", OpUpdate, `{"name": "team-a, db-svc"}`, true, ""},
		{"glob/values", OpUpdate, `{"name": "other,team-a"}`, false, ""},
		// Vault's documented surprise: the whole string matches "team-*".
		{"glob/values", OpUpdate, `{"name": "team-a,other"}`, true, ""},
		{"transit/keys/k", OpCreate, `{"auto_rotate_period": "8h,5d"}`, true, ""},
		// Coffer: an empty list or string has no element to fail, but it
		// is not a listed value (Vault allows both).
		{"transit/keys/k", OpCreate, `{"auto_rotate_period": ""}`, false, ""},
		{"transit/keys/k", OpCreate, `{"auto_rotate_period": []}`, false, ""},
		// null matches only null.
		{"transit/keys/k", OpCreate, `{"auto_rotate_period": null}`, false, ""},
		// Numbers compare by value; strings, booleans and numbers never
		// equal one another (Vault's docs: list both false and "false").
		{"typed", OpUpdate, `{"n": 1}`, true, ""},
		{"typed", OpUpdate, `{"n": 1.0}`, true, ""},
		{"typed", OpUpdate, `{"n": 2.5}`, true, ""},
		{"typed", OpUpdate, `{"n": 3}`, false, ""},
		{"typed", OpUpdate, `{"n": "1"}`, false, ""},
		{"typed", OpUpdate, `{"flag": false}`, true, ""},
		{"typed", OpUpdate, `{"flag": true}`, false, ""},
		{"typed", OpUpdate, `{"flag": "false"}`, false, ""},
		{"typed", OpUpdate, `{"m": {"k": "v"}}`, true, ""},
		{"typed", OpUpdate, `{"m": {"k": "w"}}`, false, ""},
		{"typed", OpUpdate, `{"l": ["a", "b"]}`, true, ""},
		{"typed", OpUpdate, `{"l": ["b", "a"]}`, false, ""},
		{"typed", OpUpdate, `{"n": 1e400}`, false, ""},
		// An empty allowed map allows everything.
		{"empty/map", OpUpdate, `{"x": 1}`, true, ""},
	})
}

func TestDeniedParameters(t *testing.T) {
	a := New(mustParse(t, "p", `
path "auth/userpass/users/*" {
  capabilities      = ["update"]
  denied_parameters = { "token_policies" = [], "policies" = [] }
}
path "auth/token/roles/*" {
  capabilities      = ["create", "update"]
  denied_parameters = { "allowed_policies" = ["admin", "root*"] }
}
path "transit/keys/*" {
  capabilities      = ["create", "update"]
  denied_parameters = { "*" = [] }
}
path "secret/foo" {
  capabilities      = ["create"]
  denied_parameters = { "no_store" = [false, "false"], "ttl" = [0] }
}`))
	runAuthz(t, a, []authzCase{
		{"auth/userpass/users/u", OpUpdate, `{"password": "p"}`, true, ""},
		{"auth/userpass/users/u", OpUpdate, `{"password": "p", "policies": "admin"}`, false, ReasonParamDenied + "policies"},
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": "dev"}`, true, ""},
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": "admin"}`, false, ""},
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": "root-ish"}`, false, ""},
		// Any denied element of a list or comma-separated string denies.
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": ["dev", "admin"]}`, false, ""},
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": "dev, admin"}`, false, ""},
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": "dev,ops"}`, true, ""},
		{"auth/token/roles/r", OpCreate, `{"allowed_policies": null}`, true, ""},
		// "*" denies every parameter, but a request without any passes.
		{"transit/keys/k", OpCreate, `{"type": "rsa-2048"}`, false, ReasonAllParamDenied},
		{"transit/keys/k", OpCreate, ``, true, ""},
		{"transit/keys/k", OpCreate, `{}`, true, ""},
		{"secret/foo", OpCreate, `{"value": "v", "no_store": false}`, false, ""},
		{"secret/foo", OpCreate, `{"value": "v", "no_store": "false"}`, false, ""},
		{"secret/foo", OpCreate, `{"value": "v", "no_store": true}`, true, ""},
		// A number denies its JSON number (Vault's DeepEqual of int and
		// json.Number never matches: a bypass Coffer closes).
		{"secret/foo", OpCreate, `{"ttl": 0}`, false, ""},
		{"secret/foo", OpCreate, `{"ttl": 0.0}`, false, ""},
		{"secret/foo", OpCreate, `{"ttl": 5}`, true, ""},
	})
}

func TestDeniedBeatsAllowed(t *testing.T) {
	a := New(mustParse(t, "p", `
path "both/same" {
  capabilities       = ["update"]
  allowed_parameters = { "steve" = [] }
  denied_parameters  = { "steve" = [] }
}
path "star/both" {
  capabilities       = ["update"]
  allowed_parameters = { "*" = [] }
  denied_parameters  = { "*" = [] }
}
path "allow/star" {
  capabilities       = ["update"]
  allowed_parameters = { "*" = [] }
  denied_parameters  = { "foo" = [], "bar" = ["x"] }
}
path "deny/star" {
  capabilities       = ["update"]
  allowed_parameters = { "pear" = [] }
  denied_parameters  = { "*" = [] }
}
path "values" {
  capabilities       = ["update"]
  allowed_parameters = { "v" = ["good*"] }
  denied_parameters  = { "v" = ["good-bad"] }
}`))
	runAuthz(t, a, []authzCase{
		{"both/same", OpUpdate, `{"steve": ""}`, false, ReasonParamDenied + "steve"},
		{"star/both", OpUpdate, `{"one": ""}`, false, ReasonAllParamDenied},
		{"allow/star", OpUpdate, `{"one": ""}`, true, ""},
		{"allow/star", OpUpdate, `{"foo": ""}`, false, ""},
		{"allow/star", OpUpdate, `{"bar": "x"}`, false, ""},
		{"allow/star", OpUpdate, `{"bar": "y"}`, true, ""},
		{"deny/star", OpUpdate, `{"pear": ""}`, false, ReasonAllParamDenied},
		{"values", OpUpdate, `{"v": "good-ok"}`, true, ""},
		{"values", OpUpdate, `{"v": "good-bad"}`, false, ReasonParamDenied + "v"},
	})
}

func TestRequiredParameters(t *testing.T) {
	a := New(mustParse(t, "p", `
path "var/req" {
  capabilities        = ["create", "read", "update", "list", "delete"]
  required_parameters = ["foo", "Bar"]
}`))
	runAuthz(t, a, []authzCase{
		{"var/req", OpCreate, `{"foo": 1, "bar": 2}`, true, ""},
		{"var/req", OpUpdate, `{"foo": 1, "bar": 2, "x": 3}`, true, ""},
		{"var/req", OpCreate, `{"foo": 1}`, false, ReasonRequired + "Bar"},
		// The lowercased required name must be sent as is.
		{"var/req", OpCreate, `{"foo": 1, "Bar": 2}`, false, ReasonRequired + "Bar"},
		{"var/req", OpRead, ``, false, ReasonRequired + "foo"},
		// Not for list and delete.
		{"var/req", OpList, ``, true, ""},
		{"var/req", OpDelete, ``, true, ""},
	})
}

func TestWrappingTTL(t *testing.T) {
	a := New(mustParse(t, "p", `
path "foo/bar" {
  capabilities     = ["update", "read"]
  min_wrapping_ttl = 300
  max_wrapping_ttl = "400s"
}
path "only/max" {
  capabilities     = ["update"]
  max_wrapping_ttl = 400
}
path "negative" {
  capabilities     = ["update"]
  min_wrapping_ttl = "-5"
}`))
	for _, tc := range []struct {
		path    string
		op      Operation
		wrap    time.Duration
		allowed bool
	}{
		{"foo/bar", OpUpdate, 0, false},
		{"foo/bar", OpUpdate, 50 * time.Second, false},
		{"foo/bar", OpUpdate, 450 * time.Second, false},
		{"foo/bar", OpUpdate, 300 * time.Second, true},
		{"foo/bar", OpUpdate, 350 * time.Second, true},
		{"foo/bar", OpUpdate, 400 * time.Second, true},
		{"foo/bar", OpRead, 350 * time.Second, true},
		{"only/max", OpUpdate, 0, false},
		{"only/max", OpUpdate, time.Second, true},
		{"only/max", OpUpdate, 401 * time.Second, false},
		{"negative", OpUpdate, 0, true},
	} {
		res := a.Authorize(tc.path, tc.op, Request{WrapTTL: tc.wrap})
		assert.Equal(t, tc.allowed, res.Allowed, "%s %s wrap %v", tc.op, tc.path, tc.wrap)
		if !tc.allowed {
			assert.Equal(t, ReasonWrapping, res.Reason)
		}
	}
	// Check (no request) refuses a rule that demands wrapping.
	assert.False(t, a.Check("only/max", OpUpdate).Allowed)
}

func TestConstraintsOnlyForParameterOperations(t *testing.T) {
	a := New(mustParse(t, "p", `
path "x/*" {
  capabilities       = ["create", "read", "update", "patch", "delete", "list", "subscribe"]
  denied_parameters  = { "*" = [] }
}`))
	data := `{"a": 1}`
	runAuthz(t, a, []authzCase{
		{"x/y", OpCreate, data, false, ReasonAllParamDenied},
		{"x/y", OpRead, data, false, ReasonAllParamDenied},
		{"x/y", OpUpdate, data, false, ReasonAllParamDenied},
		{"x/y", OpPatch, data, false, ReasonAllParamDenied},
		{"x/y", OpDelete, data, true, ""},
		{"x/y", OpList, data, true, ""},
		{"x/y", OpSubscribe, data, true, ""},
	})
}

// TestConstraintMerging follows Vault's NewACL: rules with the same
// pattern merge, across and within policies, in any order.
func TestConstraintMerging(t *testing.T) {
	p1 := mustParse(t, "p1", `
path "foo/bar"        { policy = "write", denied_parameters = { "baz" = [] }, required_parameters = ["baz"] }
path "hello/universe" { policy = "write", allowed_parameters = { "foo" = [] }, required_parameters = ["foo"], max_wrapping_ttl = 300, min_wrapping_ttl = 100 }
path "allow/all"      { policy = "write", allowed_parameters = { "test" = [], "test1" = ["foo"] } }
path "deny/all"       { policy = "write", denied_parameters = { "test" = [] } }
path "value/merge"    { policy = "write", allowed_parameters = { "test" = [1, 2] }, denied_parameters = { "test" = [1, 2] } }
path "value/empty"    { policy = "write", allowed_parameters = { "empty" = [] }, denied_parameters = { "empty" = [1] } }
path "restrict"       { capabilities = ["update"], allowed_parameters = { "a" = [] } }
path "denied/later"   { capabilities = ["update"], allowed_parameters = { "a" = [] } }
`)
	p2 := mustParse(t, "p2", `
path "foo/bar"        { policy = "write", denied_parameters = { "zip" = [] } }
path "hello/universe" { policy = "write", allowed_parameters = { "bar" = [] }, required_parameters = ["bar"], max_wrapping_ttl = 200, min_wrapping_ttl = 50 }
path "allow/all"      { policy = "write", allowed_parameters = { "*" = [] } }
path "deny/all"       { policy = "write", denied_parameters = { "*" = [] } }
path "value/merge"    { policy = "write", allowed_parameters = { "test" = [3, 4] }, denied_parameters = { "test" = [3, 4] } }
path "value/empty"    { policy = "write", allowed_parameters = { "empty" = [1] }, denied_parameters = { "empty" = [] } }
path "restrict"       { capabilities = ["read"] }
path "denied/later"   { capabilities = ["deny"] }
`)
	for _, a := range []*ACL{New(p1, p2), New(p2, p1)} {
		r := a.lookup("foo/bar", false)
		assert.Equal(t, map[string][]any{"baz": {}, "zip": {}}, r.perms.denied)
		assert.Equal(t, []string{"baz"}, r.perms.required)

		r = a.lookup("hello/universe", false)
		assert.Equal(t, map[string][]any{"foo": {}, "bar": {}}, r.perms.allowed)
		assert.ElementsMatch(t, []string{"foo", "bar"}, r.perms.required)
		assert.Equal(t, 50*time.Second, r.perms.minWrap, "smaller min wins")
		assert.Equal(t, 200*time.Second, r.perms.maxWrap, "smaller max wins")

		r = a.lookup("allow/all", false)
		assert.Equal(t, map[string][]any{"*": {}, "test": {}, "test1": {"foo"}}, r.perms.allowed)
		r = a.lookup("deny/all", false)
		assert.Equal(t, map[string][]any{"*": {}, "test": {}}, r.perms.denied)

		r = a.lookup("value/merge", false)
		assert.ElementsMatch(t, []any{1, 2, 3, 4}, r.perms.allowed["test"])
		assert.ElementsMatch(t, []any{1, 2, 3, 4}, r.perms.denied["test"])
		r = a.lookup("value/empty", false)
		assert.Equal(t, map[string][]any{"empty": {}}, r.perms.allowed, "an empty list wins")
		assert.Equal(t, map[string][]any{"empty": {}}, r.perms.denied, "an empty list wins")

		runAuthz(t, a, []authzCase{
			{"foo/bar", OpUpdate, `{"baz": 1}`, false, ""},
			{"foo/bar", OpUpdate, `{"zip": 1}`, false, ReasonRequired + "baz"},
			{"hello/universe", OpUpdate, `{"foo": 1, "bar": 2}`, false, ReasonWrapping},
			{"allow/all", OpUpdate, `{"test1": "bar"}`, false, ""},
			{"allow/all", OpUpdate, `{"test1": "foo", "other": 1}`, true, ""},
			{"deny/all", OpUpdate, `{"other": 1}`, false, ReasonAllParamDenied},
			{"value/merge", OpUpdate, `{"test": 5}`, false, ""},
			{"value/merge", OpUpdate, `{"test": 3}`, false, ReasonParamDenied + "test"},
			// The unconstrained rule does not lift the other's restriction.
			{"restrict", OpRead, `{"b": 1}`, false, ReasonParamNotAllow + "b"},
			{"restrict", OpRead, `{"a": 1}`, true, ""},
			// A deny in either policy wins, constraints and all.
			{"denied/later", OpUpdate, `{"a": 1}`, false, ReasonDenied},
		})
	}
	// Merging never writes into the parsed policies.
	assert.Equal(t, map[string][]any{"baz": {}}, p1.Rules[0].DeniedParameters)
	assert.Equal(t, []string{"baz"}, p1.Rules[0].RequiredParameters)
}

// TestConstraintsDoNotCrossPatterns: only the governing rule applies;
// constraints on a glob rule do not reach a path an exact rule governs.
func TestConstraintsDoNotCrossPatterns(t *testing.T) {
	a := New(mustParse(t, "p", `
path "secret/*"       { capabilities = ["update"], denied_parameters = { "admin" = [] } }
path "secret/open"    { capabilities = ["update"] }
path "secret/+/close" { capabilities = ["update"], allowed_parameters = { "x" = [] } }
`))
	runAuthz(t, a, []authzCase{
		{"secret/any", OpUpdate, `{"admin": true}`, false, ReasonParamDenied + "admin"},
		{"secret/open", OpUpdate, `{"admin": true}`, true, ""},
		{"secret/a/close", OpUpdate, `{"admin": true}`, false, ReasonParamNotAllow + "admin"},
		{"secret/a/close", OpUpdate, `{"x": true}`, true, ""},
	})
}

func TestAuthorizeRootAndHelp(t *testing.T) {
	res := NewRoot().Authorize("x", OpUpdate, Request{Data: map[string]any{"a": 1}})
	assert.Equal(t, Result{Allowed: true, Sudo: true, RootPrivs: true, IsRoot: true}, res)
	assert.True(t, New().Authorize("x", OpHelp, Request{}).Allowed)
	var nilACL *ACL
	assert.Equal(t, Result{Reason: ReasonNoRule}, nilACL.Authorize("x", OpRead, Request{}))
}
