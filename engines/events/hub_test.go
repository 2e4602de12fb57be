package events

import (
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cursorsOf(ps []*published) []Cursor {
	out := make([]Cursor, len(ps))
	for i, p := range ps {
		out[i] = p.cursor
	}
	return out
}

func assertStrictlyIncreasing(t *testing.T, cs []Cursor) {
	t.Helper()
	for i := 1; i < len(cs); i++ {
		require.True(t, cs[i-1].Before(cs[i]), "cursor %s then %s", cs[i-1], cs[i])
	}
}

// ledgerWrites returns the cursors of every kv-v2/data-write in the
// ledger, as the replay reads them.
func ledgerWrites(t *testing.T, s *stack) []Cursor {
	t.Helper()
	last, err := s.ledger.LastSeq(metaCtx(t))
	require.NoError(t, err)
	page, err := s.hub.Replay(metaCtx(t), ReplayQuery{From: 1, To: last, Type: "kv-v2/data-write"})
	require.NoError(t, err)
	var out []Cursor
	for _, e := range page.Entries {
		c, err := ParseCursor(e.Cursor)
		require.NoError(t, err)
		out = append(out, c)
	}
	return out
}

func TestLiveDeliveryFiltersTypeAndPrefix(t *testing.T) {
	s := startStack(t, nil)
	all, app := newFakeSink(), newFakeSink()
	s.startSession(t, "kv-v2/*", "", nil, all)
	s.startSession(t, "kv-v2/data-write", "secret/data/app/", nil, app)
	s.waitSubscribed(t, 2)
	s.put(t, "app/one", "v1")
	s.put(t, "other/two", "v2")
	s.put(t, "app/three", "v3")
	testkit.Eventually(t, 10*time.Second, "three events", func() bool { return len(all.received()) == 3 })
	testkit.Eventually(t, 10*time.Second, "two app events", func() bool { return len(app.received()) == 2 })
	assert.Equal(t, "secret/data/app/one", app.received()[0].path)
	assert.Equal(t, "secret/data/app/three", app.received()[1].path)
	assertStrictlyIncreasing(t, cursorsOf(all.received()))
	for _, p := range all.received() {
		assert.NotContains(t, string(p.json), `"v1"`)
	}
}

// A session that resumes from the past while writers keep writing sees
// every write exactly once, in order: the ledger part and the live part
// meet at the index noted when it subscribed.
func TestResumeSeamHasNoGapOrDuplicate(t *testing.T) {
	s := startStack(t, nil)
	for i := range 20 {
		s.put(t, fmt.Sprintf("before/%d", i), "x")
	}
	writes := ledgerWrites(t, s)
	require.Len(t, writes, 20)
	resume := writes[4] // resume after the fifth write

	stopWriting := make(chan struct{})
	wrote := make(chan int)
	var written atomic.Int64
	go func() {
		n := 0
		defer func() { wrote <- n }()
		for {
			select {
			case <-stopWriting:
				return
			default:
			}
			s.put(t, fmt.Sprintf("during/%d", n), "y")
			n++
			written.Store(int64(n))
		}
	}()
	// Some writes race the subscription.
	testkit.Eventually(t, 10*time.Second, "writes under way", func() bool { return written.Load() >= 3 })
	sink := newFakeSink()
	s.startSession(t, "kv-v2/data-write", "", &resume, sink)
	testkit.Eventually(t, 10*time.Second, "live events", func() bool { return len(sink.received()) > 30 })
	close(stopWriting)
	n := <-wrote
	want := ledgerWrites(t, s)
	require.Len(t, want, 20+n)
	testkit.Eventually(t, 10*time.Second, "all events", func() bool { return len(sink.received()) == len(want)-5 })
	got := cursorsOf(sink.received())
	assert.Equal(t, want[5:], got)
}

// A subscriber that stops reading is dropped, not waited for; it is told
// the cursor to resume after, and resuming from it loses nothing.
func TestSlowSubscriberIsDroppedWithResumeCursor(t *testing.T) {
	s := startStack(t, func(o *Options) { o.Buffer = 2 })
	dropped := DroppedSubscribers()
	slow := newFakeSink()
	slow.hold = make(chan struct{})
	s.startSession(t, "*", "", nil, slow)
	s.waitSubscribed(t, 1)
	start := time.Now()
	for i := range 10 {
		s.put(t, fmt.Sprintf("k/%d", i), "x")
	}
	assert.Less(t, time.Since(start), 5*time.Second, "writers must not wait for a stuck subscriber")
	require.Equal(t, 0, s.hub.Subscribers(), "the stuck subscriber was dropped")
	require.Equal(t, dropped+1, DroppedSubscribers(), "the drop is counted for sys/metrics")
	close(slow.hold)
	select {
	case <-slow.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end")
	}
	require.ErrorIs(t, slow.endErr, ErrTooSlow)
	got := cursorsOf(slow.received())
	require.NotEmpty(t, got)
	assert.Equal(t, got[len(got)-1].Seq, slow.endAt.Seq, "resume cursor is right after the last delivered event")

	rest := newFakeSink()
	resume := slow.endAt
	s.startSession(t, "*", "", &resume, rest)
	want := ledgerWrites(t, s)
	testkit.Eventually(t, 10*time.Second, "the rest", func() bool {
		n := 0
		for _, p := range rest.received() {
			if p.typ == "kv-v2/data-write" {
				n++
			}
		}
		return n+countWrites(slow.received()) == len(want)
	})
	all := append(cursorsOf(slow.received()), cursorsOf(rest.received())...)
	assertStrictlyIncreasing(t, all)
}

func countWrites(ps []*published) int {
	n := 0
	for _, p := range ps {
		if p.typ == "kv-v2/data-write" {
			n++
		}
	}
	return n
}

func TestPolicyFilteringAndRevocation(t *testing.T) {
	s := startStack(t, func(o *Options) { o.Recheck = 50 * time.Millisecond })
	ctx := metaCtx(t)
	require.NoError(t, writePolicy(ctx, s, "app-only", `path "secret/data/app/*" { capabilities = ["read"] }`))
	s.mu.Lock()
	s.policies = []string{"app-only"}
	s.mu.Unlock()
	sink := newFakeSink()
	s.startSession(t, "kv-v2/*", "", nil, sink)
	s.waitSubscribed(t, 1)
	s.put(t, "other/x", "1")
	s.put(t, "app/y", "2")
	s.put(t, "other/z", "3")
	s.put(t, "app/w", "4")
	testkit.Eventually(t, 10*time.Second, "two app events", func() bool { return len(sink.received()) >= 2 })
	var paths []string
	for _, p := range sink.received() {
		paths = append(paths, p.dataPath)
	}
	sort.Strings(paths)
	assert.Equal(t, []string{"secret/data/app/w", "secret/data/app/y"}, paths)

	s.denied.Store(true)
	select {
	case <-sink.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("a revoked token's stream did not end")
	}
	assert.ErrorIs(t, sink.endErr, ErrTokenInvalid)
}

func TestHubCloseEndsStreams(t *testing.T) {
	s := startStack(t, nil)
	sink := newFakeSink()
	s.startSession(t, "*", "", nil, sink)
	s.waitSubscribed(t, 1)
	s.hub.Close()
	select {
	case <-sink.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end")
	}
	assert.ErrorIs(t, sink.endErr, ErrClosed)
	_, _, err := s.hub.subscribe("*", "", "")
	assert.ErrorIs(t, err, ErrClosed)
}
