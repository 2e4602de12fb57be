package node

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/internal/testpg"
)

// Engines have a lifecycle: no goroutine outlives its mount, and none
// outlives the unsealed node. goleak compares the goroutines after a mount
// is disabled (or the node sealed) with those before it existed.

// httpConns are the goroutines of keep-alive connections, which come and
// go with the test's client, not with the node.
var httpConns = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
	goleak.IgnoreAnyFunction("net/http.(*connReader).backgroundRead"),
}

// closingClient is HashiCorp's client on an http.Client the test can
// close the idle connections of.
func closingClient(t *testing.T, n *Node, token string) (*vault.Client, func()) {
	t.Helper()
	c := clientFor(t, n, token)
	hc := c.CloneConfig().HttpClient
	return c, hc.CloseIdleConnections
}

func goroutinesRunning(fn string) bool { return strings.Contains(stacks(), fn) }

// TestDisablingAMountStopsItsGoroutines: a transit mount runs an
// auto-rotation timer from its first request; tuning the mount rebuilds
// its backend (the old timer stops), disabling it stops the timer. The
// node's own services start concurrently with the test, so the check is
// on the goroutines running the engine's code, not a snapshot.
func TestDisablingAMountStopsItsGoroutines(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	const engine = "github.com/cofferhq/coffer/engines/transit."
	require.Zero(t, goroutinesIn(engine))

	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	_, err := c.Logical().Write("transit/keys/k", map[string]any{"type": "aes256-gcm96"})
	require.NoError(t, err)
	require.Equal(t, 1, goroutinesIn(engine), "the mount's timer runs")

	require.NoError(t, c.Sys().TuneMount("transit", vault.MountConfigInput{Options: map[string]string{"x": "1"}}))
	_, err = c.Logical().Write("transit/encrypt/k", map[string]any{"plaintext": "aGk="})
	require.NoError(t, err)
	testkit.CheckFor(t, 10*time.Second, 0, func() error {
		if goroutinesIn(engine) != 1 {
			return errNotYet
		}
		return nil
	})

	require.NoError(t, c.Sys().Unmount("transit"))
	testkit.CheckFor(t, 10*time.Second, 0, func() error {
		if n := goroutinesIn(engine); n != 0 {
			return fmt.Errorf("%d goroutines still run transit code:\n%s", n, stacks())
		}
		return nil
	})
}

// TestSealingStopsEveryGoroutine: everything the unsealed node runs (the
// projector, the lease scheduler and reaper, the sinks, the event hub, the
// checkpointer, the eraser, the mounts' timers, the database pools) stops
// when it seals.
func TestSealingStopsEveryGoroutine(t *testing.T) {
	pg := testpg.Shared(t)
	n := startSealedNode(t, t.TempDir(), sys.SealConfig{})
	c, closeIdle := closingClient(t, n, "")
	st, err := c.Sys().SealStatus()
	require.NoError(t, err)
	require.False(t, st.Initialized)
	closeIdle()
	sealed := goleak.IgnoreCurrent()

	init, err := c.Sys().Init(&vault.InitRequest{SecretShares: 1, SecretThreshold: 1})
	require.NoError(t, err)
	_, err = c.Sys().Unseal(init.Keys[0]) // init leaves it sealed
	require.NoError(t, err)
	c.SetToken(init.RootToken)
	ctx := context.Background()
	require.NoError(t, c.Sys().Mount("secret", &vault.MountInput{Type: "kv-v2"}))
	_, err = c.KVv2("secret").Put(ctx, "a", map[string]any{"k": "v"})
	require.NoError(t, err)
	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	_, err = c.Logical().Write("transit/keys/k", nil)
	require.NoError(t, err)
	require.NoError(t, c.Sys().EnableAuditWithOptions("file", &vault.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": "discard"}}))
	setupDatabase(t, c, pg, "1h", "2h")
	_, err = c.Logical().Read("database/creds/myapp-readwrite")
	require.NoError(t, err)
	require.True(t, goroutinesRunning("projections.(*Projector).Run"), "the unsealed node runs its projector")

	require.NoError(t, c.Sys().Seal())
	testkit.CheckFor(t, 10*time.Second, 0, func() error {
		if code := healthCode(t, n); code != http.StatusServiceUnavailable {
			return errNotYet
		}
		return nil
	})
	// The node seals after its answer is out; the teardown (the eraser
	// finishing its fetch, the writer stopping) takes a moment more.
	closeIdle()
	opts := append(append(httpConns, sealed), testkit.IgnoreEmbeddedNATS()...)
	testkit.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error { return goleak.Find(opts...) })
}

// goroutinesIn counts the goroutines with a frame in the package whose
// function prefix is pkg.
func goroutinesIn(pkg string) int {
	n := 0
	for _, g := range strings.Split(stacks(), "\n\n") {
		if strings.Contains(g, pkg) {
			n++
		}
	}
	return n
}

func stacks() string {
	buf := make([]byte, 8<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
