package node

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// TestAuditRetentionOnANode: with audit_retention, the gateway's audit
// records leave the ledger after it, archived first by the singleton;
// the node rebuilds its state without them, and the stream with the
// archive verifies.
func TestAuditRetentionOnANode(t *testing.T) {
	const retention = 2 * time.Second
	dir := t.TempDir()
	opts := func(c *Config) {
		c.AuditRetention, c.CheckpointInterval = retention, 100*time.Millisecond
		c.Snapshots.Disabled = true
	}
	n := startNode(t, dir, "root", opts)
	putKV(t, n, 0, 10, "r")
	checkKV(t, n, 0, 10, "r")
	ctx := context.Background()
	last := lastSeq(t, n)
	records := func() (audit, kv int) {
		for seq := uint64(1); seq <= last; seq++ {
			m, err := n.ledger.Get(ctx, seq)
			require.NoError(t, err)
			recs, err := n.ledger.Decode(m)
			require.NoError(t, err)
			for _, r := range recs {
				if r.Type == auditevent.EventRequest || r.Type == auditevent.EventResponse {
					require.Equal(t, ledger.SubjectAudit, m.Subject, "audit records on their own subject")
					audit++
				} else if m.Subject == ledger.SubjectBatch {
					kv++
				}
			}
		}
		return
	}
	audit, domain := records()
	require.GreaterOrEqual(t, audit, 40, "twenty requests, two records each")
	require.Positive(t, domain)
	require.Eventually(t, func() bool { a, _ := records(); return a == 0 }, 20*time.Second, 200*time.Millisecond, "the records age out")
	_, after := records()
	require.Equal(t, domain, after, "domain events stay")
	names, err := archive.Dir(n.AuditArchiveDir()).List(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, names)

	// Replay reads the aged-out records back from the archive.
	replayed := func() int {
		sec, err := clientFor(t, n, "root").Logical().ReadWithDataWithContext(ctx, "sys/ledger/replay", map[string][]string{"type": {"audit.*"}})
		require.NoError(t, err)
		entries, _ := sec.Data["entries"].([]any)
		return len(entries)
	}
	require.GreaterOrEqual(t, replayed(), audit)

	// Rebuilt from the retained stream, the state is whole.
	require.NoError(t, n.Close())
	require.NoError(t, removeProjections(dir))
	n = startNode(t, dir, "root", opts)
	checkKV(t, n, 0, 10, "r")

	src := transparency.NewSource(n.ledger.JetStream())
	require.Eventually(t, func() bool {
		m, err := src.Last(ctx, transparency.StreamName, transparency.SubjectCheckpoint)
		if err != nil {
			return false
		}
		key, err := transparency.StoredKey(ctx, src)
		require.NoError(t, err)
		pub, err := key.PublicKey()
		require.NoError(t, err)
		cp, err := transparency.OpenCheckpoint(m.Data, pub)
		return err == nil && cp.Size >= int64(last)
	}, 20*time.Second, 100*time.Millisecond)
	key, err := transparency.StoredKey(ctx, src)
	require.NoError(t, err)
	pub, err := key.PublicKey()
	require.NoError(t, err)
	rep, err := archive.Verify(ctx, src, pub, archive.Dir(n.AuditArchiveDir()))
	require.NoError(t, err)
	require.True(t, rep.OK, fmt.Sprintf("%+v", rep))
	require.GreaterOrEqual(t, rep.Archived, int64(1))
}
