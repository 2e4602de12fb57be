package transparency

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
)

// testNode is a ledger on a real embedded NATS server in a data dir laid out
// as a Coffer node's (DIR/nats, DIR/DEV-ONLY-unseal.key).
type testNode struct {
	dir  string
	st   *ledger.Store
	stop func()
}

func startNode(t testing.TB, dir string) *testNode {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Dir: dir, NoProjections: true})
	return &testNode{dir: dir, st: env.Ledger, stop: env.Stop}
}

// appendMessages appends count single-event messages (one Append each, so
// one stored message each) and returns the last sequence.
func (n *testNode) appendMessages(t testing.TB, count int) uint64 {
	t.Helper()
	var last uint64
	for i := 0; i < count; i++ {
		e := ledger.NewEvent("test.recorded", 1, map[string]any{"i": i, "pad": fmt.Sprintf("%0*d", i%97, i)})
		seq, err := n.st.Writer().Append(context.Background(), e)
		require.NoError(t, err)
		last = seq
	}
	return last
}

func (n *testNode) lastSeq(t testing.TB) uint64 {
	t.Helper()
	last, err := n.st.LastSeq(context.Background())
	require.NoError(t, err)
	return last
}

// runningCheckpointer is a Checkpointer in its goroutine.
type runningCheckpointer struct {
	*Checkpointer
	cancel context.CancelFunc
	done   chan error
}

func startCheckpointer(t testing.TB, n *testNode, opts Options) *runningCheckpointer {
	t.Helper()
	if opts.Log == nil {
		opts.Log = testkit.Log()
	}
	ctx, cancel := context.WithCancel(context.Background())
	rc := &runningCheckpointer{Checkpointer: NewCheckpointer(n.st, opts), cancel: cancel, done: make(chan error, 1)}
	go func() { rc.done <- rc.Run(ctx) }()
	t.Cleanup(func() { rc.halt(t) })
	return rc
}

// halt stops the checkpointer and returns Run's error (nil for a clean
// stop).
func (rc *runningCheckpointer) halt(t testing.TB) error {
	rc.cancel()
	select {
	case err, ok := <-rc.done:
		if !ok {
			return nil
		}
		close(rc.done)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("checkpointer did not stop")
		return nil
	}
}

// waitCovered polls until the checkpointer signed a checkpoint covering
// every stored message.
func (rc *runningCheckpointer) waitCovered(t testing.TB, n *testNode) {
	t.Helper()
	last := n.lastSeq(t)
	testkit.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		if s := rc.Status(); s.Signed < int64(last) {
			return fmt.Errorf("signed %d of %d", s.Signed, last)
		}
		return nil
	})
}

// copyDataDir copies a stopped node's data dir.
func copyDataDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

func openOffline(t testing.TB, dir string) *Offline {
	t.Helper()
	o, err := OpenOffline(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = o.Close() })
	return o
}
