package node

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	projsnap "github.com/cofferhq/coffer/projections/snapshot"
)

func withSnapshots(p projsnap.Policy) func(*Config) {
	return func(c *Config) { c.Snapshots.Policy = p }
}

// never is a policy under which the singleton takes no snapshot: the
// test takes them itself.
var never = projsnap.Policy{EveryEvents: 1 << 60, Interval: 24 * time.Hour}

func putKV(t *testing.T, n *Node, from, to int, prefix string) {
	kv := clientFor(t, n, "root").KVv2("secret")
	for i := from; i < to; i++ {
		_, err := kv.Put(context.Background(), fmt.Sprintf("%s/%d", prefix, i), map[string]any{"v": fmt.Sprint(prefix, i)})
		require.NoError(t, err)
	}
}

func checkKV(t *testing.T, n *Node, from, to int, prefix string) {
	kv := clientFor(t, n, "root").KVv2("secret")
	for i := from; i < to; i++ {
		s, err := kv.Get(context.Background(), fmt.Sprintf("%s/%d", prefix, i))
		require.NoError(t, err, "%s/%d", prefix, i)
		require.Equal(t, fmt.Sprint(prefix, i), s.Data["v"])
	}
}

func lastSeq(t *testing.T, n *Node) uint64 {
	s, err := n.ledger.LastSeq(context.Background())
	require.NoError(t, err)
	return s
}

// TestProjectionsRestoredFromSnapshotPlusTail: the elected node takes a
// snapshot by itself after enough events; with projections/ deleted the
// node starts from that snapshot and replays only the tail after it.
func TestProjectionsRestoredFromSnapshotPlusTail(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root", withSnapshots(projsnap.Policy{EveryEvents: 10, Interval: time.Hour, Check: 50 * time.Millisecond}))
	putKV(t, n, 0, 20, "a")
	st, err := n.snapshotStore()
	require.NoError(t, err)
	var taken projsnap.Info
	require.Eventually(t, func() bool {
		list, err := st.List(context.Background())
		if err != nil || len(list) == 0 {
			return false
		}
		taken = list[0]
		return true
	}, 20*time.Second, 50*time.Millisecond, "the singleton takes a snapshot after 10 events")
	putKV(t, n, 0, 3, "tail") // fewer than 10 messages: in no snapshot
	last := lastSeq(t, n)
	require.NoError(t, n.Close())

	require.NoError(t, removeProjections(dir))
	n = startNode(t, dir, "root", withSnapshots(never))
	from := n.RestoredFrom()
	require.NotNil(t, from, "started from a snapshot")
	require.GreaterOrEqual(t, from.Seq, taken.Seq)
	require.Less(t, from.Seq, last, "the tail was replayed from the ledger")
	checkKV(t, n, 0, 20, "a")
	checkKV(t, n, 0, 3, "tail")
}

// corruptObject flips a bit in a stored snapshot, keeping its metadata.
func corruptObject(t *testing.T, n *Node, name string) {
	ctx := context.Background()
	obj, err := n.ledger.JetStream().ObjectStore(ctx, projsnap.DefaultBucket)
	require.NoError(t, err)
	info, err := obj.GetInfo(ctx, name)
	require.NoError(t, err)
	b, err := obj.GetBytes(ctx, name)
	require.NoError(t, err)
	b[len(b)-40] ^= 0x80
	_, err = obj.Put(ctx, jetstream.ObjectMeta{Name: name, Metadata: info.Metadata}, bytes.NewReader(b))
	require.NoError(t, err)
}

// TestCorruptSnapshotFallsBack: a corrupt newest snapshot is skipped for
// the previous one; with every snapshot corrupt the node replays the
// whole ledger. Either way it serves everything.
func TestCorruptSnapshotFallsBack(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root", withSnapshots(never))
	ctx := context.Background()
	st, err := n.snapshotStore()
	require.NoError(t, err)
	putKV(t, n, 0, 5, "a")
	older, err := st.Take(ctx, n.active.store)
	require.NoError(t, err)
	putKV(t, n, 5, 10, "a")
	newer, err := st.Take(ctx, n.active.store)
	require.NoError(t, err)
	require.Greater(t, newer.Seq, older.Seq)
	putKV(t, n, 0, 2, "tail")
	corruptObject(t, n, newer.Name)
	require.NoError(t, n.Close())

	require.NoError(t, removeProjections(dir))
	n = startNode(t, dir, "root", withSnapshots(never))
	require.NotNil(t, n.RestoredFrom())
	require.Equal(t, older.Name, n.RestoredFrom().Name, "the corrupt newest is skipped")
	checkKV(t, n, 0, 10, "a")
	checkKV(t, n, 0, 2, "tail")
	corruptObject(t, n, older.Name)
	require.NoError(t, n.Close())

	require.NoError(t, removeProjections(dir))
	n = startNode(t, dir, "root", withSnapshots(never))
	require.Nil(t, n.RestoredFrom(), "no usable snapshot: a full replay")
	checkKV(t, n, 0, 10, "a")
	checkKV(t, n, 0, 2, "tail")
}
