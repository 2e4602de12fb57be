package ledgercmd

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// TestVerifyProgressCountsEveryMessage: the bar's total is the ledger's
// last index, it counts every ledger message Verify reads and nothing
// else (not the checkpoints), and it reaches the total.
func TestVerifyProgressCountsEveryMessage(t *testing.T) {
	n := startNode(t, 60)
	n.stop()
	o, err := transparency.OpenOffline(n.dir)
	require.NoError(t, err)
	defer o.Close()
	ctx := context.Background()
	rec, err := transparency.StoredKey(ctx, o)
	require.NoError(t, err)
	pub, err := rec.PublicKey()
	require.NoError(t, err)

	// A clock that moves 200ms per reading: every Set redraws.
	at := time.Unix(0, 0)
	tick := func() time.Time { at = at.Add(200 * time.Millisecond); return at }
	var out bytes.Buffer
	bar := progress.New(&out, "verifying", progress.Options{Unit: "messages", Force: true, Now: tick})
	rep, err := transparency.Verify(ctx, countingFor(ctx, o, bar), pub)
	require.NoError(t, err)
	require.True(t, rep.OK)
	require.EqualValues(t, 62, rep.Messages)
	require.Contains(t, out.String(), "verifying [=>")
	require.Contains(t, out.String(), " 1/62 messages")
	require.Contains(t, out.String(), "100% 62/62 messages")
	require.NotContains(t, out.String(), "63/62")
}
