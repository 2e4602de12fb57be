package acl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, name, text string) *Policy {
	t.Helper()
	p, err := Parse(name, text)
	require.NoError(t, err)
	return p
}

type checkCase struct {
	path    string
	op      Operation
	allowed bool
	pattern string // expected MatchedPattern
}

func runChecks(t *testing.T, a *ACL, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(string(c.op)+" "+c.path, func(t *testing.T) {
			res := a.Check(c.path, c.op)
			assert.Equal(t, c.allowed, res.Allowed, "caps=%s", res.Capabilities)
			assert.Equal(t, c.pattern, res.MatchedPattern)
		})
	}
}

const seedAppPolicy = `
path "database/creds/myapp-readwrite" { capabilities = ["read"] }
path "transit/encrypt/user-pii" { capabilities = ["update"] }
path "transit/decrypt/user-pii" { capabilities = ["update"] }
path "secret/data/myapp/*" { capabilities = ["read", "list"] }
path "secret/data/other-team/*" { capabilities = ["deny"] }
`

const seedWriterPolicy = `
path "secret/data/myapp/*" { capabilities = ["create", "update", "delete", "list"] }
path "secret/data/myapp/prod-*" { capabilities = ["deny"] }
`

func TestSeedAppPolicy(t *testing.T) {
	a := New(mustParse(t, "myapp", seedAppPolicy))
	runChecks(t, a, []checkCase{
		{"database/creds/myapp-readwrite", OpRead, true, "database/creds/myapp-readwrite"},
		{"/database/creds/myapp-readwrite", OpRead, true, "database/creds/myapp-readwrite"},
		{"database/creds/myapp-readwrite", OpUpdate, false, "database/creds/myapp-readwrite"},
		{"database/creds/myapp-readwrite/", OpList, false, "database/creds/myapp-readwrite"},
		{"database/creds/other", OpRead, false, ""},
		{"transit/encrypt/user-pii", OpUpdate, true, "transit/encrypt/user-pii"},
		{"transit/decrypt/user-pii", OpUpdate, true, "transit/decrypt/user-pii"},
		{"transit/encrypt/user-pii", OpRead, false, "transit/encrypt/user-pii"},
		{"transit/encrypt/other", OpUpdate, false, ""},
		{"secret/data/myapp/config", OpRead, true, "secret/data/myapp/*"},
		{"secret/data/myapp/a/b/c", OpRead, true, "secret/data/myapp/*"},
		{"secret/data/myapp/", OpList, true, "secret/data/myapp/*"},
		{"secret/data/myapp/config", OpUpdate, false, "secret/data/myapp/*"},
		{"secret/data/myapp", OpRead, false, ""},
		{"secret/data/other-team/x", OpRead, false, "secret/data/other-team/*"},
		{"secret/data/other-team/x", OpList, false, "secret/data/other-team/*"},
	})
	assert.Equal(t, []string{"deny"}, a.Capabilities("secret/data/other-team/x"))
	assert.Equal(t, []string{"list", "read"}, a.Capabilities("secret/data/myapp/x"))
}

func TestSeedWriterPolicy(t *testing.T) {
	a := New(mustParse(t, "writer", seedWriterPolicy))
	runChecks(t, a, []checkCase{
		{"secret/data/myapp/dev", OpUpdate, true, "secret/data/myapp/*"},
		{"secret/data/myapp/dev", OpCreate, true, "secret/data/myapp/*"},
		{"secret/data/myapp/dev", OpDelete, true, "secret/data/myapp/*"},
		{"secret/data/myapp/dev", OpRead, false, "secret/data/myapp/*"},
		{"secret/data/myapp/prod-db", OpRead, false, "secret/data/myapp/prod-*"},
		{"secret/data/myapp/prod-db", OpUpdate, false, "secret/data/myapp/prod-*"},
		{"secret/data/myapp/prod-", OpDelete, false, "secret/data/myapp/prod-*"},
		{"secret/data/myapp/prod", OpUpdate, true, "secret/data/myapp/*"},
	})
	assert.Equal(t, []string{"create", "delete", "list", "update"}, a.Capabilities("secret/data/myapp/dev"))
	assert.Equal(t, []string{"deny"}, a.Capabilities("secret/data/myapp/prod-db"))
}

func TestSeedPoliciesCombined(t *testing.T) {
	a := New(mustParse(t, "myapp", seedAppPolicy), mustParse(t, "writer", seedWriterPolicy))
	runChecks(t, a, []checkCase{
		// Same pattern in both policies: capabilities are unioned.
		{"secret/data/myapp/dev", OpRead, true, "secret/data/myapp/*"},
		{"secret/data/myapp/dev", OpUpdate, true, "secret/data/myapp/*"},
		// The longer deny prefix still governs prod-*.
		{"secret/data/myapp/prod-db", OpRead, false, "secret/data/myapp/prod-*"},
		{"transit/encrypt/user-pii", OpUpdate, true, "transit/encrypt/user-pii"},
	})
	assert.Equal(t, []string{"create", "delete", "list", "read", "update"}, a.Capabilities("secret/data/myapp/dev"))
}

func TestExactBeatsGlob(t *testing.T) {
	a := New(mustParse(t, "p", `
path "secret/*"       { capabilities = ["read", "update"] }
path "secret/foo"     { capabilities = ["read"] }
path "secret/locked"  { capabilities = ["deny"] }
path "secret/empty"   { capabilities = [] }
path "secret/+/x"     { capabilities = ["sudo", "read"] }
path "secret/a/x"     { capabilities = ["list"] }
`))
	runChecks(t, a, []checkCase{
		{"secret/foo", OpRead, true, "secret/foo"},
		{"secret/foo", OpUpdate, false, "secret/foo"}, // glob's update does not leak in
		{"secret/bar", OpUpdate, true, "secret/*"},
		{"secret/locked", OpRead, false, "secret/locked"},
		{"secret/empty", OpRead, false, "secret/empty"},
		{"secret/a/x", OpRead, false, "secret/a/x"},
		{"secret/a/x", OpList, true, "secret/a/x"},
		{"secret/b/x", OpRead, true, "secret/+/x"},
	})
	assert.Equal(t, []string{"deny"}, a.Capabilities("secret/empty"))
}

func TestPlusSegments(t *testing.T) {
	a := New(mustParse(t, "p", `
path "secret/+/teamb"        { capabilities = ["read"] }
path "kv/+/+/config"         { capabilities = ["update"] }
path "pki/+/issue/web*"      { capabilities = ["create"] }
path "+/metadata"            { capabilities = ["list"] }
`))
	runChecks(t, a, []checkCase{
		{"secret/foo/teamb", OpRead, true, "secret/+/teamb"},
		{"secret/bar/teamb", OpRead, true, "secret/+/teamb"},
		{"secret//teamb", OpRead, true, "secret/+/teamb"}, // "+" matches an empty segment, as in Vault
		{"secret/foo/bar/teamb", OpRead, false, ""},       // exactly one segment
		{"secret/teamb", OpRead, false, ""},
		{"secret/foo/teamb/x", OpRead, false, ""}, // no trailing glob
		{"kv/a/b/config", OpUpdate, true, "kv/+/+/config"},
		{"kv/a/config", OpUpdate, false, ""},
		{"pki/int/issue/web", OpCreate, true, "pki/+/issue/web*"},
		{"pki/int/issue/webserver/extra", OpCreate, true, "pki/+/issue/web*"},
		{"pki/int/issue/db", OpCreate, false, ""},
		{"mymount/metadata", OpList, true, "+/metadata"},
		{"mymount/metadata/", OpList, true, "+/metadata"}, // list retries without "/"
	})
}

// TestPriority has one case per Vault priority rule; in each the expected
// winner is the second rule and both rules match the path.
func TestPriority(t *testing.T) {
	tests := []struct {
		name        string
		loser       string
		winner      string
		path        string
		bothMatched bool
	}{
		{"1 first wildcard earlier loses (+ vs +)", "foo/+/bar/baz", "foo/bar/+/baz", "foo/bar/bar/baz", true},
		{"1 first wildcard earlier loses (+ vs *)", "secret/+/data", "secret/foo/*", "secret/foo/data", true},
		{"1 first wildcard earlier loses (* vs +)", "foo/*", "foo/a/+", "foo/a/b", true},
		{"2 trailing glob loses (+ pattern)", "foo/+/ba*", "foo/+/bar", "foo/x/bar", true},
		{"2 trailing glob loses (glob vs +)", "foo/*", "foo/+", "foo/x", true},
		{"3 more plus segments loses", "foo/+/+/baz", "foo/+/bar/baz", "foo/a/bar/baz", true},
		{"4 shorter loses", "foo/+/bar/b*", "foo/+/bar/ba*", "foo/x/bar/baz", true},
		{"5 lexicographically smaller loses", "+/+/b", "+/a/+", "x/a/b", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, w := compileRule(tc.loser, permissions{caps: ReadCap}), compileRule(tc.winner, permissions{caps: ReadCap})
			assert.True(t, lowerPriority(l, w))
			assert.False(t, lowerPriority(w, l))

			// Only the winner's capabilities apply, whatever the order of
			// the rules in the policies.
			loser := mustParse(t, "loser", `path "`+tc.loser+`" { capabilities = ["deny"] }`)
			winner := mustParse(t, "winner", `path "`+tc.winner+`" { capabilities = ["read"] }`)
			for _, a := range []*ACL{New(loser, winner), New(winner, loser)} {
				res := a.Check(tc.path, OpRead)
				assert.True(t, res.Allowed)
				assert.Equal(t, tc.winner, res.MatchedPattern)
			}
			// The loser matches on its own, so the test is meaningful.
			assert.Equal(t, tc.loser, New(loser).Check(tc.path, OpRead).MatchedPattern)
		})
	}
}

func TestLongestPrefixWins(t *testing.T) {
	a := New(mustParse(t, "p", `
path "secret/*"         { capabilities = ["read"] }
path "secret/team/*"    { capabilities = ["update"] }
path "secret/team/a*"   { capabilities = ["delete"] }
path "*"                { capabilities = ["list"] }
`))
	runChecks(t, a, []checkCase{
		{"secret/x", OpRead, true, "secret/*"},
		{"secret/team/x", OpRead, false, "secret/team/*"},
		{"secret/team/x", OpUpdate, true, "secret/team/*"},
		{"secret/team/abc", OpDelete, true, "secret/team/a*"},
		{"secret/team/abc", OpUpdate, false, "secret/team/a*"},
		{"other", OpList, true, "*"},
		{"", OpList, true, "*"},
	})
}

func TestMergeAcrossPolicies(t *testing.T) {
	p1 := mustParse(t, "p1", `
path "secret/*"   { capabilities = ["read"] }
path "shared/x"   { capabilities = ["read", "sudo"] }
path "/lead/slash" { capabilities = ["read"] }`)
	p2 := mustParse(t, "p2", `
path "secret/*"   { capabilities = ["update", "list"] }
path "shared/x"   { capabilities = ["deny"] }
path "lead/slash" { capabilities = ["update"] }`)
	p3 := mustParse(t, "p3", `path "shared/x" { capabilities = ["create"] }`)

	for _, a := range []*ACL{New(p1, p2, p3), New(p3, p2, p1), New(p1, nil, p2, p3)} {
		assert.Equal(t, []string{"list", "read", "update"}, a.Capabilities("secret/k"))
		assert.Equal(t, []string{"deny"}, a.Capabilities("shared/x"))
		res := a.Check("shared/x", OpRead)
		assert.False(t, res.Allowed)
		assert.False(t, res.Sudo)
		assert.False(t, res.RootPrivs)
		assert.Equal(t, DenyCap, res.Capabilities)
		assert.Equal(t, []string{"read", "update"}, a.Capabilities("lead/slash"))
	}
}

func TestMergeWithinPolicy(t *testing.T) {
	a := New(mustParse(t, "p", `
path "a/*" { capabilities = ["read"] }
path "a/*" { capabilities = ["list"] }
path "b"   { capabilities = ["read"] }
path "b"   { capabilities = ["deny"] }`))
	assert.Equal(t, []string{"list", "read"}, a.Capabilities("a/x"))
	assert.Equal(t, []string{"deny"}, a.Capabilities("b"))
}

func TestSudoAndRootPrivs(t *testing.T) {
	a := New(mustParse(t, "p", `
path "sys/audit/*" { capabilities = ["sudo", "update"] }
path "sys/mounts"  { capabilities = ["read"] }`))

	res := a.Check("sys/audit/file", OpUpdate)
	assert.Equal(t, Result{Allowed: true, Sudo: true, RootPrivs: true, MatchedPattern: "sys/audit/*", Capabilities: SudoCap | UpdateCap}, res)
	assert.Empty(t, res.Reason)

	res = a.Check("sys/audit/file", OpRead)
	assert.False(t, res.Allowed)
	assert.True(t, res.Sudo)
	assert.False(t, res.RootPrivs)
	assert.Equal(t, ReasonCapability, res.Reason)

	res = a.Check("sys/mounts", OpRead)
	assert.True(t, res.Allowed)
	assert.False(t, res.Sudo)
	assert.False(t, res.RootPrivs)
}

func TestOperations(t *testing.T) {
	a := New(mustParse(t, "p", `path "x" { capabilities = ["update", "subscribe"] }`))
	runChecks(t, a, []checkCase{
		{"x", OpUpdate, true, "x"},
		{"x", OpRenew, true, "x"},
		{"x", OpRevoke, true, "x"},
		{"x", OpRollback, true, "x"},
		{"x", OpSubscribe, true, "x"},
		{"x", OpPatch, false, "x"},
		{"x", Operation("bogus"), false, "x"},
	})
	help := a.Check("nothing/here", OpHelp)
	assert.True(t, help.Allowed)
	assert.False(t, help.RootPrivs)
}

func TestRoot(t *testing.T) {
	a := NewRoot()
	assert.True(t, a.IsRoot())
	for _, op := range []Operation{OpCreate, OpRead, OpUpdate, OpPatch, OpDelete, OpList, OpSubscribe} {
		res := a.Check("sys/raw/anything", op)
		assert.Equal(t, Result{Allowed: true, Sudo: true, RootPrivs: true, IsRoot: true}, res)
	}
	assert.Equal(t, []string{"root"}, a.Capabilities("anything"))

	// New never yields root, even for a hand-made policy named "root".
	fake := New(&Policy{Name: "root"})
	assert.False(t, fake.IsRoot())
	assert.False(t, fake.Check("secret/x", OpRead).Allowed)
}

func TestEmptyAndNilACL(t *testing.T) {
	for _, a := range []*ACL{New(), nil, {}} {
		assert.False(t, a.IsRoot())
		assert.Equal(t, Result{Reason: ReasonNoRule}, a.Check("secret/x", OpRead))
		assert.Equal(t, []string{"deny"}, a.Capabilities("secret/x"))
	}
}

func TestCapabilitiesOrdering(t *testing.T) {
	a := New(mustParse(t, "p", `
path "all" { capabilities = ["update", "subscribe", "create", "sudo", "read", "patch", "list", "delete"] }
path "dup" { capabilities = ["read", "read", "list"] }`))
	assert.Equal(t,
		[]string{"create", "delete", "list", "patch", "read", "subscribe", "sudo", "update"},
		a.Capabilities("all"))
	assert.Equal(t, []string{"list", "read"}, a.Capabilities("dup"))
	assert.Equal(t, []string{"deny"}, a.Capabilities("nomatch"))
	assert.Equal(t, []string{"list", "read"}, a.Capabilities("dup/"), "trailing slash falls back to exact rule")
}

func TestTemplatedRulesSkipped(t *testing.T) {
	a := New(mustParse(t, "tpl", `
path "secret/{{identity.entity.name}}/*" { capabilities = ["read"] }
path "secret/*" { capabilities = ["list"] }`))
	res := a.Check("secret/{{identity.entity.name}}/x", OpRead)
	assert.False(t, res.Allowed)
	assert.Equal(t, "secret/*", res.MatchedPattern)
}
