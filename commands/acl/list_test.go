package acl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestListDenyBypass is issue 10 item 4, the class of OpenBao advisory
// GHSA-xp3c-3jw3-4vcr: a deny on "a/b/*" must hold against LIST "a/b/"
// when "a/*" grants list. Before the fix the path without its trailing
// "/" was tried first and only matched the broader grant.
func TestListDenyBypass(t *testing.T) {
	a := New(mustParse(t, "team-a", `
path "secret/metadata/*"                { capabilities = ["list"] }
path "secret/metadata/team-b/*"         { capabilities = ["deny"] }
path "secret/metadata/team-b/granted/*" { capabilities = ["list"] }
`))
	for _, tc := range []struct {
		path    string
		allowed bool
	}{
		{"secret", false},
		{"secret/", false},
		{"secret/metadata", true},
		{"secret/metadata/", true},
		{"secret/metadata/team-a/", true},
		{"secret/metadata/team-b/", false},
		{"secret/metadata/team-b", false},
		{"secret/metadata/team-b/internal/", false},
		{"secret/metadata/team-b/granted/", true},
		{"secret/metadata/team-b/granted", true},
		{"secret/metadata/team-b/granted/x/", true},
	} {
		res := a.Check(tc.path, OpList)
		assert.Equal(t, tc.allowed, res.Allowed, "LIST %s (rule %q)", tc.path, res.MatchedPattern)
	}
	// sys/capabilities-self must agree with the decision.
	assert.Equal(t, []string{"deny"}, a.Capabilities("secret/metadata/team-b/"))
	assert.Equal(t, []string{"deny"}, a.Capabilities("secret/metadata/team-b/x"))
	assert.Equal(t, []string{"list"}, a.Capabilities("secret/metadata/team-a/"))
	assert.Equal(t, []string{"list"}, a.Capabilities("secret/metadata/team-b/granted/"))
}

// TestListTrailingSlash is issue 10 item 3 (matching side): Vault checks
// a LIST with "/" appended, so LIST "x" is LIST "x/".
func TestListTrailingSlash(t *testing.T) {
	exactDeny := New(mustParse(t, "p", `
path "secret/metadata/*"       { capabilities = ["list", "read"] }
path "secret/metadata/team-b/" { capabilities = ["deny"] }
`))
	for _, p := range []string{"secret/metadata/team-b", "secret/metadata/team-b/", "/secret/metadata/team-b"} {
		res := exactDeny.Check(p, OpList)
		assert.False(t, res.Allowed, "LIST %s", p)
		assert.Equal(t, "secret/metadata/team-b/", res.MatchedPattern, "LIST %s", p)
	}
	// Not a list: the path is checked as sent.
	assert.True(t, exactDeny.Check("secret/metadata/team-b", OpRead).Allowed)

	globList := New(mustParse(t, "p", `path "secret/metadata/app/*" { capabilities = ["list"] }`))
	for _, p := range []string{"secret/metadata/app", "secret/metadata/app/"} {
		res := globList.Check(p, OpList)
		assert.True(t, res.Allowed, "LIST %s", p)
		assert.Equal(t, "secret/metadata/app/*", res.MatchedPattern)
	}
	assert.False(t, globList.Check("secret/metadata/app", OpRead).Allowed)
	assert.False(t, globList.Check("secret/metadata/ap", OpList).Allowed)

	// An exact rule without the slash still governs LIST "x/" (Vault's
	// second exact lookup).
	exact := New(mustParse(t, "p", `path "kv/dir" { capabilities = ["list"] }`))
	assert.True(t, exact.Check("kv/dir", OpList).Allowed)
	assert.True(t, exact.Check("kv/dir/", OpList).Allowed)
}

func TestListPath(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"/":          "",
		"a":          "a/",
		"a/":         "a/",
		"/a/b":       "a/b/",
		"//a/b/":     "a/b/",
		"secret/x//": "secret/x//",
	} {
		assert.Equal(t, want, ListPath(in), "ListPath(%q)", in)
	}
}
