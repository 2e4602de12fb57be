package clientcmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKVv1ThroughTheCLI runs the kv commands on a real node's v1 mount:
// the preflight tells them the version, before and after
// `kv enable-versioning`.
func TestKVv1ThroughTheCLI(t *testing.T) {
	n := startDevNode(t)
	t.Setenv("COFFER_TOKEN", "root")
	addr := "-address=" + n.Addr
	cli := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := runCLI("", append(args[:1:1], append([]string{addr}, args[1:]...)...)...)
		require.Zero(t, code, "%v: %s", args, stderr)
		return stdout
	}
	cli("secrets", "enable", "-version=1", "-path=kv1", "kv")
	cli("kv", "put", "kv1/app", "user=app", "password=one")
	require.Equal(t, "one", strings.TrimSpace(cli("kv", "get", "-field=password", "kv1/app")))
	require.Contains(t, cli("kv", "list", "kv1/"), "app")

	cli("kv", "enable-versioning", "kv1")
	out := cli("kv", "get", "kv1/app")
	require.Contains(t, out, "Metadata", "a v2 read shows the version's metadata")
	require.Contains(t, out, "app")
	cli("kv", "put", "kv1/app", "user=app", "password=two")
	require.Equal(t, "two", strings.TrimSpace(cli("kv", "get", "-field=password", "kv1/app")))
	require.Equal(t, "one", strings.TrimSpace(cli("kv", "get", "-version=1", "-field=password", "kv1/app")), "the v1 value became version 1")

	cli("secrets", "enable", "-path=plain", "kv")
	cli("kv", "put", "plain/x", "a=b")
	cli("kv", "delete", "plain/x")
	_, _, code := runCLI("", "kv", "get", addr, "plain/x")
	require.Equal(t, 2, code, "deleted")
}
