package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The writer builds batch bodies from each request's pre-encoded events;
// they must be byte for byte what encodeBatch makes, or old readers (and
// the transparency log's hashes of old messages) would disagree.
func TestGroupBodyMatchesEncodeBatch(t *testing.T) {
	var g group
	var all []Event
	for i := 0; i < 3; i++ {
		events := []Event{NewEvent("test.x", 1, map[string]any{"i": i, "html": "<&>"}), NewEvent("audit.request", 1, "s")}
		events[0].Kind, events[0].Aggregate, events[0].Version = "test", fmt.Sprint(i), 1
		enc, err := encodeEvents(events)
		require.NoError(t, err)
		g.reqs = append(g.reqs, &appendReq{events: events, encoded: enc, size: len(enc)})
		g.size += len(enc)
		all = append(all, events...)
	}
	want, err := encodeBatch(all)
	require.NoError(t, err)
	require.Equal(t, string(want), string(g.body()))
	back, err := decodeBatch(g.body())
	require.NoError(t, err)
	require.Len(t, back, len(all))
}

// Appends to one aggregate from many goroutines, each retrying on
// conflict as the command bus does, must end with every version stored
// exactly once and in order, although requests are checked while the
// previous message is still in flight.
func TestVersionsCheckedAgainstMessageInFlight(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	w := tl.store.Writer()
	ctx := context.Background()
	var mu sync.Mutex
	next := uint64(1)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 25; i++ {
				for {
					mu.Lock()
					v := next
					mu.Unlock()
					e := NewEvent("test.bumped", 1, map[string]uint64{"v": v})
					e.Kind, e.Aggregate, e.Version = "test", "hot", v
					_, err := w.Append(ctx, e)
					if err == nil {
						mu.Lock()
						if next == v {
							next = v + 1
						}
						mu.Unlock()
						break
					}
					if !errors.Is(err, ErrConflict) {
						t.Error(err)
						return
					}
					mu.Lock()
					if next <= v {
						next = v + 1 // someone else stored v: our view was stale
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	recs := readAll(t, tl.store)
	require.Len(t, recs, 200)
	for i, r := range recs {
		require.EqualValues(t, i+1, r.Version, "versions stored in order, without gaps or repeats")
		var d map[string]uint64
		require.NoError(t, json.Unmarshal(r.Data, &d))
		require.EqualValues(t, i+1, d["v"])
	}
}

// A message stored by someone else moves the stream under the writer: its
// fenced publish is refused, it re-syncs and publishes the group again
// without the callers seeing an error.
func TestFenceLostIsRetriedAfterResync(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	w := tl.store.Writer()
	ctx := context.Background()
	_, err := w.Append(ctx, NewEvent("test.one", 1, "a"))
	require.NoError(t, err)
	_, err = tl.store.JetStream().Publish(ctx, "coffer.ledger.intruder", []byte("not a batch"))
	require.NoError(t, err)
	seq, err := w.Append(ctx, NewEvent("test.two", 1, "b"))
	require.NoError(t, err)
	last, err := tl.store.LastSeq(ctx)
	require.NoError(t, err)
	require.Equal(t, last, seq)
	st := w.Stats()
	require.EqualValues(t, 1, st.Retried)
	require.GreaterOrEqual(t, st.Resyncs, uint64(1))
	recs := readAll(t, tl.store)
	require.Len(t, recs, 2)
	require.Equal(t, "test.two", recs[1].Type)
}
