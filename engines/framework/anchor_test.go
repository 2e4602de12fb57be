package framework

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckAnchored(t *testing.T) {
	for _, ok := range []string{
		`leases/lookup`,
		`leases/lookup/(?P<prefix>.*)`,
		`(leases/)?renew(/(?P<id>.+))?`,
		`(leases/)?revoke-prefix/(?P<prefix>.+)`,
		`metadata(?:/(?P<path>.*))?`,
		`data/(?P<path>.*[^/])`,
		`roles/?`,
		`mounts/(?P<path>.+?)/tune/?`,
		`keys/` + GenericNameRegex("name") + `/rotate`,
		`creds/` + GenericNameRegex("name") + OptionalParamRegex("ttl"),
		`.*`,
		`lookup-self`,
		`root/generate/(?P<exported>internal|exported|existing|kms)`, // factored to ex(?:ported|isting)
	} {
		assert.NoError(t, CheckAnchored(ok), ok)
	}
	for _, bad := range []string{
		`leases/lookup/?(?P<prefix>.*)`, // the route of issue 10, item 2
		`leases/lookup(?P<prefix>.*)`,
		`keys(?P<name>\w+)`,
		`(renew|revoke)/?(?P<id>.*)`,
		`issue/?` + GenericNameRegex("role"),
		`config/?[a-z]*`,
	} {
		err := CheckAnchored(bad)
		assert.ErrorIs(t, err, ErrUnanchoredPattern, bad)
	}
}

// TestUnanchoredRouteNeverServes: a table holding the old lease lookup
// pattern refuses to start rather than serve "leases/lookupdatabase/".
func TestUnanchoredRouteNeverServes(t *testing.T) {
	b := &Backend{Paths: []*Path{{Pattern: `leases/lookup/?(?P<prefix>.*)`, Sudo: true}}}
	require.Panics(t, func() { _, _, _ = b.Match("leases/lookupdatabase/creds/ro/") })
}
