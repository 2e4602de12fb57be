package framework

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExpandPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{`config`, []string{"config"}},
		{`mounts/?`, []string{"mounts"}},
		{`auth/`, []string{"auth/"}},
		{`data/(?P<path>.*[^/])`, []string{"data/{path}"}},
		{`metadata(?:/(?P<path>.*))?`, []string{"metadata", "metadata/{path}"}},
		{`(leases/)?renew(/(?P<id>.+))?`, []string{"leases/renew", "leases/renew/{id}", "renew", "renew/{id}"}},
		{`keys/` + GenericNameRegex("name") + `/rotate`, []string{"keys/{name}/rotate"}},
		{`ledger/prove/(?P<index>[0-9]+)`, []string{"ledger/prove/{index}"}},
		{`.*`, nil},
	} {
		assert.Equal(t, tc.want, expandPattern(tc.pattern), tc.pattern)
	}
}
