package pki

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

// TestIssueCachesFollowChanges: issue/:role reads its role and its opened
// issuer (parsed certificate, chain, unsealed key, expanded URLs) from the
// backend's caches. Two backends of one mount stand for two nodes: the
// one that issues has warm caches, the other changes the role, the mount's
// URLs, the default issuer and which issuer a name refers to, and finally
// deletes the role. Every issue after
// a change must see it (the caches are dropped through Invalidate, as the
// projector reports the other node's events), never the cached state.
func TestIssueCachesFollowChanges(t *testing.T) {
	e := newEnv(t)
	admin := e.mount("pki", 87600*time.Hour)
	issuer := e.mount("pki", 87600*time.Hour) // the same mount on "another node"
	root1 := parsePEM(t, e.write(admin, "root/generate/internal", map[string]any{"common_name": "Root 1", "key_type": "ec", "issuer_name": "one", "ttl": "8760h"}).Data["certificate"].(string))
	e.write(admin, "roles/r", map[string]any{"allowed_domains": "example.com", "allow_subdomains": true, "key_type": "ec", "max_ttl": "2h"})

	issue := func(cn string, data map[string]any) map[string]any {
		t.Helper()
		body := map[string]any{"common_name": cn}
		for k, v := range data {
			body[k] = v
		}
		return e.write(issuer, "issue/r", body).Data
	}
	// Warm both caches; twice, so the second issue is served from them.
	issue("a.example.com", nil)
	leaf := parsePEM(t, issue("b.example.com", map[string]any{"ttl": "1h"})["certificate"].(string))
	require.NoError(t, verifies(t, leaf, root1))
	require.Empty(t, leaf.IssuingCertificateURL)

	// The role changes: its domains and its max_ttl.
	e.write(admin, "roles/r", map[string]any{"allowed_domains": "example.org", "allow_subdomains": true, "key_type": "ec", "max_ttl": "30m"})
	status, msg := e.fail(issuer, framework.UpdateOperation, "issue/r", map[string]any{"common_name": "c.example.com"})
	require.Equal(t, 400, status)
	require.Contains(t, msg, "c.example.com not allowed by this role", "a cached role would still allow example.com")
	leaf = parsePEM(t, issue("c.example.org", nil)["certificate"].(string))
	require.LessOrEqual(t, leaf.NotAfter.Sub(leaf.NotBefore), 31*time.Minute+time.Minute, "the new max_ttl caps the default TTL")

	// The mount's URLs change: the opened issuer's expanded URLs follow.
	e.write(admin, "config/urls", map[string]any{
		"issuing_certificates": "http://ca.example.org/v1/pki/ca", "crl_distribution_points": "http://ca.example.org/v1/pki/crl",
	})
	leaf = parsePEM(t, issue("d.example.org", nil)["certificate"].(string))
	require.Equal(t, []string{"http://ca.example.org/v1/pki/ca"}, leaf.IssuingCertificateURL)
	require.Equal(t, []string{"http://ca.example.org/v1/pki/crl"}, leaf.CRLDistributionPoints)

	// The default issuer is rotated and replaced: the new root signs.
	root2 := parsePEM(t, e.write(admin, "root/rotate/internal", map[string]any{"common_name": "Root 2", "key_type": "ec", "issuer_name": "two", "ttl": "8760h"}).Data["certificate"].(string))
	leaf = parsePEM(t, issue("e.example.org", nil)["certificate"].(string))
	require.NoError(t, verifies(t, leaf, root1), "a rotation alone does not change the default")
	e.write(admin, "root/replace", map[string]any{"default": "two"})
	data := issue("f.example.org", nil)
	leaf = parsePEM(t, data["certificate"].(string))
	require.NoError(t, verifies(t, leaf, root2), "the replaced default issuer signs")
	require.Error(t, verifies(t, leaf, root1))
	require.Equal(t, root2.Raw, parsePEM(t, data["issuing_ca"].(string)).Raw, "issuing_ca is the new issuer's")

	// The issuer a name refers to changes: "one" renamed, "two" takes the
	// name (the cache is keyed by the reference as the request gave it).
	leaf = parsePEM(t, e.write(issuer, "issuer/one/issue/r", map[string]any{"common_name": "g.example.org"}).Data["certificate"].(string))
	require.NoError(t, verifies(t, leaf, root1))
	e.write(admin, "issuer/one", map[string]any{"issuer_name": "old"})
	e.write(admin, "issuer/two", map[string]any{"issuer_name": "one"})
	leaf = parsePEM(t, e.write(issuer, "issuer/one/issue/r", map[string]any{"common_name": "g.example.org"}).Data["certificate"].(string))
	require.NoError(t, verifies(t, leaf, root2), "issuer/one/issue follows the name to its new issuer")

	// The role goes.
	_, err := admin.Call(t, framework.DeleteOperation, "roles/r", nil)
	require.NoError(t, err)
	status, msg = e.fail(issuer, framework.UpdateOperation, "issue/r", map[string]any{"common_name": "h.example.org"})
	require.Equal(t, 400, status)
	require.Equal(t, "unknown role: r", msg)
}
