package archive

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
	"github.com/cofferhq/coffer/projections"
)

const (
	testAudited = "archivetest.audited"
	testWritten = "archivetest.written"
)

type written struct {
	K string `json:"k"`
}

func init() {
	ledger.RegisterEventType(testWritten, 1, written{})
	ledger.RegisterAuditRecordType(testAudited)
}

const retention = 2 * time.Second

// running starts fn in a goroutine and returns its stop.
func running(fn func(ctx context.Context)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	return func() { cancel(); <-done }
}

// TestRetentionArchiveVerify: audit records age out of the stream after a
// short retention, the archiver has copied them into segments first, the
// domain state rebuilds without them, and verify passes over the stream
// and the archive together, failing (naming the segment) when a segment
// is deleted or altered. Run over a directory and over S3.
func TestRetentionArchiveVerify(t *testing.T) {
	testRetentionArchiveVerify(t, dirArchive(filepath.Join(t.TempDir(), DefaultDirName)))
}

// TestRetentionArchiveVerifyS3 is the same over an S3 bucket served on a
// loopback port by a test server (internal/tests3 says which, and that
// it does not check signatures), under a two-level prefix.
func TestRetentionArchiveVerifyS3(t *testing.T) {
	testRetentionArchiveVerify(t, newS3Archive(t, "coffer/audit"))
}

func testRetentionArchiveVerify(t *testing.T, dir tamperable) {
	e := ledgertest.Start(t, ledgertest.Options{AuditRetention: retention, Register: []func(*projections.Projector){func(p *projections.Projector) {
		p.Handle(testWritten, projections.Decoded(projections.ErrCorrupt, func(tx *projections.Tx, w *written) error {
			return tx.Set([]byte("t/"+w.K), []byte("1"))
		}))
	}}})
	ctx := context.Background()
	cp := transparency.NewCheckpointer(e.Ledger, transparency.Options{Interval: 100 * time.Millisecond})
	stopCP := running(func(ctx context.Context) { _ = cp.Run(ctx) })
	arch := New(e.Ledger, Options{Store: dir, Retention: retention, MaxMessages: 2, Log: slog.New(slog.DiscardHandler)})
	stopArch := running(func(ctx context.Context) { require.NoError(t, arch.Run(ctx)) })

	w := e.Ledger.Writer()
	var last uint64
	for round := range 4 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := fmt.Sprint(round*10 + i)
				evs := []ledger.Event{ledger.NewEvent(testAudited, 1, map[string]any{"request": k})}
				if i%3 != 2 { // a write; every third request a read
					evs = append(evs, ledger.MakeEvent(testWritten, written{K: k}))
				}
				evs = append(evs, ledger.NewEvent(testAudited, 1, map[string]any{"response": k}))
				seq, err := w.Append(ctx, evs...)
				require.NoError(t, err)
				mu.Lock()
				last = max(last, seq)
				mu.Unlock()
			}()
		}
		wg.Wait()
		require.Eventually(t, func() bool { // a segment (at least) per round
			names, _ := dir.List(ctx)
			return len(names) > round
		}, 10*time.Second, 20*time.Millisecond)
	}
	// Every audit message archived, then gone from the stream.
	audits := func() int { // audit messages still stored
		n := 0
		for seq := uint64(1); seq <= last; seq++ {
			m, err := e.Ledger.Get(ctx, seq)
			require.NoError(t, err)
			if m.Subject == ledger.SubjectAudit {
				n++
			}
		}
		return n
	}
	require.Greater(t, audits(), 0)
	require.Eventually(t, func() bool {
		names, _ := dir.List(ctx)
		if len(names) == 0 {
			return false
		}
		_, l, _ := parseName(names[len(names)-1])
		return l >= last-1 && cp.Status().Signed >= int64(last)
	}, 15*time.Second, 50*time.Millisecond, "archived and checkpointed")
	require.Eventually(t, func() bool { return audits() == 0 }, 15*time.Second, 100*time.Millisecond, "the audit records age out")
	stopArch()
	stopCP()

	// Domain state intact after a rebuild from the retained stream.
	ps := e.Replay(t)
	for round := range 4 {
		for i := range 6 {
			_, err := ps.Get([]byte(fmt.Sprintf("t/%d", round*10+i)))
			if i%3 == 2 {
				require.ErrorIs(t, err, projections.ErrNotFound)
			} else {
				require.NoError(t, err, "round %d write %d", round, i)
			}
		}
	}

	// Replayed with the archive, every audit record is back, in order.
	e.Ledger.SetArchive(NewReader(dir))
	var replayed, prevSeq uint64
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	stopped := fmt.Errorf("stopped")
	err := e.Ledger.ConsumeWithArchive(rctx, 1, func(m ledger.Message) error {
		require.Greater(t, m.Seq, prevSeq)
		prevSeq = m.Seq
		recs, err := e.Ledger.Decode(m)
		require.NoError(t, err)
		for _, r := range recs {
			if r.Type == testAudited {
				replayed++
			}
		}
		if m.Seq >= last {
			return stopped
		}
		return nil
	})
	require.ErrorIs(t, err, stopped)
	require.EqualValues(t, 4*6*2, replayed, "two records per request")

	src := transparency.NewSource(e.Ledger.JetStream())
	key, err := transparency.StoredKey(ctx, src)
	require.NoError(t, err)
	pub, err := key.PublicKey()
	require.NoError(t, err)
	// The stream alone no longer verifies: its audit messages are gone.
	alone, err := transparency.Verify(ctx, src, pub)
	require.NoError(t, err)
	require.False(t, alone.OK)
	require.Equal(t, transparency.KindDropped, alone.FirstBad.Kind)
	// With the archive it does.
	rep, err := Verify(ctx, src, pub, dir)
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep)
	require.Greater(t, rep.Archived, int64(0))
	names, err := dir.List(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(names), 3, "MaxMessages 2 makes several segments")
	require.EqualValues(t, len(names), rep.Segments)

	// A deleted segment in the middle is named by the one after it.
	tampered := dir.copy(t)
	tampered.remove(t, names[1])
	rep, err = Verify(ctx, src, pub, tampered)
	require.NoError(t, err)
	require.False(t, rep.OK)
	require.Contains(t, rep.SegmentProblems, SegmentProblem{Segment: names[1], Kind: KindMissing,
		Detail: fmt.Sprintf("%s chains to it, and it is not in the archive (the one before is %s)", names[2], names[0])})

	// The newest deleted: its range is neither in the stream nor archived.
	tampered = dir.copy(t)
	tampered.remove(t, names[len(names)-1])
	rep, err = Verify(ctx, src, pub, tampered)
	require.NoError(t, err)
	require.False(t, rep.OK)
	require.Equal(t, KindMissing, rep.SegmentProblems[0].Kind)
	require.Contains(t, rep.SegmentProblems[0].Detail, names[len(names)-2])

	// One altered byte of sealed data: the segment is named.
	tampered = dir.copy(t)
	alterData(t, tampered, names[0])
	rep, err = Verify(ctx, src, pub, tampered)
	require.NoError(t, err)
	require.False(t, rep.OK)
	require.Equal(t, names[0], rep.SegmentProblems[0].Segment)
	require.Equal(t, KindAltered, rep.SegmentProblems[0].Kind)
}

// alterData flips one character of the first archived message's base64
// data (its JSON line stays valid), past the write-once guard.
func alterData(t *testing.T, ta tamperable, name string) {
	t.Helper()
	b, err := ta.Get(context.Background(), name)
	require.NoError(t, err)
	i := indexAfter(b, []byte(`"data":"`))
	require.Positive(t, i)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	ta.overwrite(t, name, b)
}

func indexAfter(b, sub []byte) int {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return i + len(sub)
		}
	}
	return -1
}
