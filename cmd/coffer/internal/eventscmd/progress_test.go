package eventscmd

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
)

// TestReplayProgress: the bar follows the ledger index reached within the
// range the first page names, and nothing is drawn off a terminal.
func TestReplayProgress(t *testing.T) {
	at := time.Unix(0, 0)
	tick := func() time.Time { at = at.Add(200 * time.Millisecond); return at }
	var out bytes.Buffer
	p := &replayProgress{bar: progress.New(&out, "replaying", progress.Options{Unit: "messages", Force: true, Now: tick})}
	page := func(from, to uint64, last uint64) *replayPage {
		e, _ := json.Marshal(map[string]any{"ledger_index": last, "cursor": "x"})
		return &replayPage{From: from, To: to, Entries: []json.RawMessage{e}}
	}
	p.page(page(101, 300, 150))
	require.Contains(t, out.String(), " 25% 50/200 messages")
	p.page(page(151, 300, 300)) // later pages start after the cursor: the range stays the first one
	require.Contains(t, out.String(), "100% 200/200 messages")
	p.finish()

	// Off a terminal (a file for stdout and stderr alike): no bar.
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	q := newReplayProgress(f, f)
	q.page(page(1, 10, 5))
	q.finish()
	fi, err := f.Stat()
	require.NoError(t, err)
	require.Zero(t, fi.Size())
}
