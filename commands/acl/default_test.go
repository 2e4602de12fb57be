package acl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultPolicy(t *testing.T) {
	p := Default()
	require.NotNil(t, p)
	assert.Equal(t, DefaultPolicyName, p.Name)
	assert.Equal(t, DefaultPolicy, p.Raw)
	assert.True(t, p.Templated)

	var patterns []string
	for _, r := range p.Rules {
		patterns = append(patterns, r.Pattern)
	}
	assert.Equal(t, []string{
		"auth/token/lookup-self",
		"auth/token/renew-self",
		"auth/token/revoke-self",
		"sys/capabilities-self",
		"identity/entity/id/{{identity.entity.id}}",
		"identity/entity/name/{{identity.entity.name}}",
		"sys/internal/ui/resultant-acl",
		"sys/leases/renew",
		"sys/leases/lookup",
		"cubbyhole/*",
		"sys/wrapping/wrap",
		"sys/wrapping/lookup",
		"sys/wrapping/unwrap",
		"sys/tools/hash",
		"sys/tools/hash/*",
		"sys/control-group/request",
		"identity/oidc/provider/+/authorize",
	}, patterns)

	// Default returns independent copies.
	p.Rules[0].Pattern = "changed"
	assert.Equal(t, "auth/token/lookup-self", Default().Rules[0].Pattern)

	a := New(Default())
	runChecks(t, a, []checkCase{
		{"auth/token/lookup-self", OpRead, true, "auth/token/lookup-self"},
		{"auth/token/lookup-self", OpUpdate, false, "auth/token/lookup-self"},
		{"auth/token/renew-self", OpUpdate, true, "auth/token/renew-self"},
		{"auth/token/revoke-self", OpUpdate, true, "auth/token/revoke-self"},
		{"sys/capabilities-self", OpUpdate, true, "sys/capabilities-self"},
		{"sys/internal/ui/resultant-acl", OpRead, true, "sys/internal/ui/resultant-acl"},
		{"sys/leases/renew", OpUpdate, true, "sys/leases/renew"},
		{"sys/renew", OpUpdate, false, ""}, // issue 10, item 6: as OpenBao's
		{"sys/leases/lookup", OpUpdate, true, "sys/leases/lookup"},
		{"cubbyhole/my/secret", OpCreate, true, "cubbyhole/*"},
		{"cubbyhole/", OpList, true, "cubbyhole/*"},
		{"sys/wrapping/unwrap", OpUpdate, true, "sys/wrapping/unwrap"},
		{"sys/tools/hash/sha2-256", OpUpdate, true, "sys/tools/hash/*"},
		{"sys/control-group/request", OpUpdate, true, "sys/control-group/request"},
		{"identity/oidc/provider/default/authorize", OpRead, true, "identity/oidc/provider/+/authorize"},
		{"identity/entity/id/{{identity.entity.id}}", OpRead, false, ""},
		{"auth/token/create", OpUpdate, false, ""},
		{"secret/data/x", OpRead, false, ""},
		{"sys/policies/acl/default", OpUpdate, false, ""},
	})
}

func TestResponseWrappingPolicy(t *testing.T) {
	a := New(mustParse(t, ResponseWrappingPolicyName, ResponseWrappingPolicy))
	assert.Equal(t, []string{"create", "read"}, a.Capabilities("cubbyhole/response"))
	assert.Equal(t, []string{"update"}, a.Capabilities("sys/wrapping/unwrap"))
}
