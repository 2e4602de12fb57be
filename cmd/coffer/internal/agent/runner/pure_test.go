package runner

import (
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/events"
	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

func TestAffects(t *testing.T) {
	kv := &entry{dep: tmpl.Dep{Kind: tmpl.Read, Path: "secret/myapp/config"}, apiPath: "secret/data/myapp/config", secret: &vault.Secret{}}
	list := &entry{dep: tmpl.Dep{Kind: tmpl.List, Path: "secret/myapp"}, apiPath: "secret/metadata/myapp", secret: &vault.Secret{}}
	creds := &entry{dep: tmpl.Dep{Kind: tmpl.Read, Path: "database/creds/myapp-readwrite"}, apiPath: "database/creds/myapp-readwrite",
		secret: &vault.Secret{LeaseID: "database/creds/myapp-readwrite/abc", LeaseDuration: 3600, Renewable: true}}
	failed := &entry{dep: tmpl.Dep{Kind: tmpl.Read, Path: "secret/data/denied"}, apiPath: "secret/data/denied", err: errTest}
	for _, tc := range []struct {
		name string
		ev   events.Event
		e    *entry
		want bool
	}{
		{"kv write at the path", events.Event{Type: "kv-v2/data-write", Path: "secret/data/myapp/config", DataPath: "secret/data/myapp/config"}, kv, true},
		{"kv metadata delete", events.Event{Type: "kv-v2/metadata-delete", Path: "secret/metadata/myapp/config", DataPath: "secret/data/myapp/config"}, kv, true},
		{"kv write elsewhere", events.Event{Type: "kv-v2/data-write", Path: "secret/data/myapp/configx", DataPath: "secret/data/myapp/configx"}, kv, false},
		{"kv write below a list", events.Event{Type: "kv-v2/data-write", Path: "secret/data/myapp/new", DataPath: "secret/data/myapp/new"}, list, true},
		{"kv write beside a list", events.Event{Type: "kv-v2/data-write", Path: "secret/data/myappx/new", DataPath: "secret/data/myappx/new"}, list, false},
		{"our lease revoked", events.Event{Type: "lease/revoked", Path: "database/creds/myapp-readwrite", DataPath: "database/creds/myapp-readwrite", LeaseID: "database/creds/myapp-readwrite/abc"}, creds, true},
		{"our lease expired", events.Event{Type: "lease/expired", LeaseID: "database/creds/myapp-readwrite/abc"}, creds, true},
		{"our lease renewed", events.Event{Type: "lease/renewed", LeaseID: "database/creds/myapp-readwrite/abc"}, creds, false},
		{"another lease revoked", events.Event{Type: "lease/revoked", LeaseID: "database/creds/myapp-readwrite/xyz"}, creds, false},
		{"someone else's creds", events.Event{Type: "database/creds-create", Path: "database/creds/myapp-readwrite", DataPath: "database/creds/myapp-readwrite", LeaseID: "database/creds/myapp-readwrite/new"}, creds, false},
		{"policy change retries failures", events.Event{Type: "policy/written", Path: "sys/policies/acl/p"}, failed, true},
		{"policy change leaves good ones", events.Event{Type: "policy/written", Path: "sys/policies/acl/p"}, kv, false},
	} {
		require.Equal(t, tc.want, affects(tc.ev, tc.e), tc.name)
	}
}

func TestPlan(t *testing.T) {
	now := time.Now()
	read := tmpl.Dep{Kind: tmpl.Read, Path: "x"}
	p, _ := plan(read, &vault.Secret{Data: map[string]any{"a": "b"}}, now, 0.9)
	require.Equal(t, planNone, p, "KV: no lease")
	p, _ = plan(read, &vault.Secret{LeaseDuration: 2764800}, now, 0.9)
	require.Equal(t, planNone, p, "a TTL hint without a lease id is static")
	p, at := plan(read, &vault.Secret{LeaseID: "l", LeaseDuration: 100, Renewable: true}, now, 0.9)
	require.Equal(t, planRenew, p)
	require.Equal(t, now.Add(100*time.Second), at, "a renewable lease's end")
	p, at = plan(read, &vault.Secret{LeaseID: "l", LeaseDuration: 100}, now, 0.9)
	require.Equal(t, planRefetch, p)
	require.True(t, !at.Before(now.Add(85*time.Second)) && !at.After(now.Add(90*time.Second)), "non-renewable: at 85-90%%: %s", at.Sub(now))
	p, _ = plan(read, nil, now, 0.9)
	require.Equal(t, planNone, p)
}

func TestGraceOf(t *testing.T) {
	for range 20 {
		g := graceOf(100 * time.Second)
		require.True(t, g >= 10*time.Second && g <= 20*time.Second, "%s", g)
	}
	require.Zero(t, graceOf(0))
}

func TestMetadataToData(t *testing.T) {
	require.Equal(t, "secret/data/a/b", metadataToData("secret/metadata/a/b"))
	require.Equal(t, "secret/data", metadataToData("secret/metadata"))
	require.Equal(t, "kv/x", metadataToData("kv/x"))
}
