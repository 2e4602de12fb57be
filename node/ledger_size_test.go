package node

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
)

// TestLedgerBytesPerAuditedRequest measures what an audited KV read and
// an audited KV write add to the ledger (stored message bodies), from 16
// concurrent clients, and where the bytes go (issue 17). The goals are
// at most 600 bytes per read and 1 KB per write.
func TestLedgerBytesPerAuditedRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	n := startNode(t, t.TempDir(), "root")
	kv := clientFor(t, n, "root").KVv2("secret")
	ctx := context.Background()
	_, err := kv.Put(ctx, "app/db", map[string]any{"username": "app", "password": "s3cr3t-value-of-some-length"})
	require.NoError(t, err)

	measure := func(name string, total int, op func(i int) error) float64 {
		before := n.ledger.Writer().Stats()
		var wg sync.WaitGroup
		errs := make(chan error, total)
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < total; i += 16 {
					if err := op(i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		require.NoError(t, <-errs)
		after := n.ledger.Writer().Stats()
		per := float64(after.Bytes-before.Bytes) / float64(total)
		t.Logf("%s: %.0f ledger bytes per request (%d requests, %.1f requests per message)", name, per, total,
			float64(after.Requests-before.Requests)/float64(after.Messages-before.Messages))
		return per
	}
	read := measure("audited KV read", 800, func(int) error { _, err := kv.Get(ctx, "app/db"); return err })
	write := measure("audited KV write", 400, func(i int) error {
		_, err := kv.Put(ctx, fmt.Sprintf("app/k%d", i%50), map[string]any{"password": "s3cr3t-value-of-some-length"})
		return err
	})
	logLedgerBreakdown(t, n)
	require.LessOrEqual(t, read, 600.0, "bytes per audited read")
	require.LessOrEqual(t, write, 1024.0, "bytes per audited write")
}

// logLedgerBreakdown logs, per event type, the events' encoded size in
// the last messages of the ledger.
func logLedgerBreakdown(t *testing.T, n *Node) {
	ctx := context.Background()
	last, err := n.ledger.LastSeq(ctx)
	require.NoError(t, err)
	size, count := map[string]int{}, map[string]int{}
	for seq := last; seq > 0 && seq > last-20; seq-- {
		m, err := n.ledger.Get(ctx, seq)
		require.NoError(t, err)
		recs, err := n.ledger.Decode(m)
		require.NoError(t, err)
		for _, r := range recs {
			b, err := jsonSize(r.Event)
			require.NoError(t, err)
			size[r.Type] += b
			count[r.Type]++
		}
	}
	var lines []string
	for typ := range size {
		lines = append(lines, fmt.Sprintf("%s: %d events, %d JSON bytes each", typ, count[typ], size[typ]/count[typ]))
	}
	sort.Strings(lines)
	t.Logf("events in the last messages:\n%s", strings.Join(lines, "\n"))
}

func jsonSize(e ledger.Event) (int, error) {
	b, err := json.Marshal(e)
	return len(b), err
}
