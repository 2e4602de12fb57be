package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	require.Equal(t, string(want), string(g.appendBody(nil)))
	back, err := decodeBatch(g.appendBody(nil))
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

// The writer reuses its body and compression buffers from one message to
// the next: every stored message must still hold exactly its own events,
// whether the buffers grew, shrank or were dropped after a large message.
func TestReusedBuffersKeepMessagesApart(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	w := tl.store.Writer()
	var mu sync.Mutex
	want := map[string]string{} // event id -> payload
	seqs := map[uint64]bool{}
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				n := (p*25 + i) * 97 % 3000
				if p == 0 && i == 10 {
					n = 1 << 20 // over maxReusedBuffer once compressed: not kept
				}
				raw := make([]byte, n/2+1)
				_, _ = rand.Read(raw)
				payload := hex.EncodeToString(raw) // random: it does not compress
				e := NewEvent("test.reused", 1, payload)
				seq, err := w.Append(t.Context(), e)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want[e.ID], seqs[seq] = string(e.Data), true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got := 0
	for seq := range seqs {
		m, err := tl.store.Get(t.Context(), seq)
		require.NoError(t, err)
		recs, err := tl.store.Decode(m)
		require.NoError(t, err)
		for _, r := range recs {
			require.Equal(t, want[r.ID], string(r.Data), "event %s at seq %d", r.ID, seq)
			got++
		}
	}
	require.Equal(t, len(want), got)
	require.Greater(t, len(want), len(seqs), "requests shared messages")
}
