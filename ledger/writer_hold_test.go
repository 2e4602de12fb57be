package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bump(agg string, v uint64) Event {
	e := NewEvent("test.bumped", 1, map[string]uint64{"v": v})
	e.Kind, e.Aggregate, e.Version = "test", agg, v
	return e
}

func typesAt(t *testing.T, st *Store, seq uint64) []string {
	t.Helper()
	m, err := st.Get(context.Background(), seq)
	require.NoError(t, err)
	recs, err := st.Decode(m)
	require.NoError(t, err)
	var out []string
	for _, r := range recs {
		out = append(out, r.Event.Type+":"+r.Event.Aggregate)
	}
	return out
}

// A held append and the events its Commit adds are one message, in
// order; its versions count from the moment it was held, so a stale
// competitor is refused; and nothing queued behind it is published first.
func TestHeldAppendIsOneMessageWithItsCommit(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	w := tl.store.Writer()
	ctx := context.Background()

	h, err := w.Hold(ctx, NewEvent("audit.request", 1, "r"), bump("a", 1))
	require.NoError(t, err)

	behind := make(chan appendResult, 1)
	go func() {
		seq, err := w.Append(ctx, bump("b", 1))
		behind <- appendResult{seq, err}
	}()
	stale := make(chan error, 1)
	go func() {
		_, err := w.Append(ctx, bump("a", 1))
		stale <- err
	}()
	select {
	case r := <-behind:
		t.Fatalf("an append queued behind a held one was stored first: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}

	seq, err := h.Commit(ctx, NewEvent("audit.response", 1, "r"))
	require.NoError(t, err)
	assert.Equal(t, []string{"audit.request:", "test.bumped:a", "audit.response:"}, typesAt(t, tl.store, seq)[:3])
	r := <-behind
	require.NoError(t, r.err)
	assert.GreaterOrEqual(t, r.seq, seq)
	assert.ErrorIs(t, <-stale, ErrConflict, "version 1 of a was taken by the held append")
}

// An aborted hold stores nothing and frees its versions; what queued
// behind it goes out.
func TestAbortedHoldStoresNothing(t *testing.T) {
	tl := startLedger(t, t.TempDir())
	w := tl.store.Writer()
	ctx := context.Background()
	before, err := tl.store.LastSeq(ctx)
	require.NoError(t, err)

	h, err := w.Hold(ctx, bump("a", 1))
	require.NoError(t, err)
	h.Abort()
	_, err = h.Commit(ctx)
	require.Error(t, err, "one answer per hold")
	after, err := tl.store.LastSeq(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	seq, err := w.Append(ctx, bump("a", 1))
	require.NoError(t, err, "the aborted hold's version is free again")
	assert.Equal(t, []string{"test.bumped:a"}, typesAt(t, tl.store, seq))
}

// A hold whose commit never comes is dropped after maxHold, so the
// requests behind it are not stuck.
func TestForgottenHoldIsDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("waits maxHold")
	}
	tl := startLedger(t, t.TempDir())
	w := tl.store.Writer()
	ctx := context.Background()
	h, err := w.Hold(ctx, bump("a", 1))
	require.NoError(t, err)
	start := time.Now()
	_, err = w.Append(ctx, bump("b", 1))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), maxHold/2)
	_, err = h.Commit(ctx, NewEvent("audit.response", 1, "r"))
	assert.ErrorIs(t, err, ErrHoldExpired)
}
