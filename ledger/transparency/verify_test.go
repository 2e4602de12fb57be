package transparency

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
)

// checkpointedLedger builds a data dir holding a ledger of a few hundred
// messages, every one covered by checkpoints, and returns it with the
// checkpoint public key. The node is stopped.
func checkpointedLedger(t *testing.T, messages int) (dir string, rec KeyRecord) {
	t.Helper()
	dir = t.TempDir()
	n := startNode(t, dir)
	rc := startCheckpointer(t, n, Options{Every: 50, Interval: 20 * time.Millisecond})
	n.appendMessages(t, messages)
	rc.waitCovered(t, n)
	require.NoError(t, rc.halt(t))
	rec, err := StoredKey(context.Background(), NewSource(n.st.JetStream()))
	require.NoError(t, err)
	n.stop()
	return dir, rec
}

func TestVerifyIntactLedger(t *testing.T) {
	dir, rec := checkpointedLedger(t, 300)
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	o := openOffline(t, dir)
	rep, err := Verify(context.Background(), o, pub)
	require.NoError(t, err)
	t.Logf("%+v", rep)
	require.True(t, rep.OK, "%+v", rep.Problems)
}

// An untouched rewrite must verify: the tamper tooling itself changes
// nothing but what a test asks it to.
func TestBlockRewriteIsFaithful(t *testing.T) {
	dir, rec := checkpointedLedger(t, 120)
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	cp := copyDataDir(t, dir)
	readBlocks(t, cp).write(t)
	rep, err := Verify(context.Background(), openOffline(t, cp), pub)
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep.Problems)
	require.EqualValues(t, 122, rep.Messages)
}

// Online: verification against a running node while it keeps writing.
func TestVerifyOnlineWhileWriting(t *testing.T) {
	n := startNode(t, t.TempDir())
	rc := startCheckpointer(t, n, Options{Every: 25, Interval: 5 * time.Millisecond})
	n.appendMessages(t, 50)
	rc.waitCovered(t, n)
	pub, err := ParsePublicKey(rc.Status().VerifierKey)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for ctx.Err() == nil {
			e := ledger.NewEvent("test.recorded", 1, map[string]any{"live": true})
			if _, err := n.st.Writer().Append(ctx, e); err != nil {
				return
			}
		}
	}()
	src := NewSource(n.st.JetStream())
	for i := 0; i < 3; i++ {
		rep, err := Verify(context.Background(), src, pub)
		require.NoError(t, err)
		require.True(t, rep.OK, "%+v", rep.Problems)
		require.GreaterOrEqual(t, rep.Messages, rep.Covered)
	}
	cancel()
	<-writing
}
