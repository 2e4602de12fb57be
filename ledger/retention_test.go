package ledger

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

const (
	testAuditType  = "ledgertest.audited"
	testDomainType = "ledgertest.changed"
)

func init() { RegisterAuditRecordType(testAuditType) }

// request is one request's append: its audit records around a domain
// event, as the gateway appends a write.
func request(i int) []Event {
	return []Event{
		NewEvent(testAuditType, 1, map[string]any{"req": i, "s": "in \"quotes\", {braces}, [brackets]"}),
		{ID: NewID(), Type: testDomainType, Schema: 1, Kind: "thing", Aggregate: fmt.Sprint(i), Version: 1, At: time.Now().UTC(), Data: []byte(`{"n":` + fmt.Sprint(i) + `}`)},
		NewEvent(testAuditType, 1, map[string]any{"resp": i}),
	}
}

func TestSplitTopLevel(t *testing.T) {
	evs := request(7)
	enc, err := encodeEvents(evs)
	require.NoError(t, err)
	parts := splitTopLevel(enc, len(evs))
	require.Len(t, parts, 3)
	for i, p := range parts {
		one, err := encodeEvents(evs[i : i+1])
		require.NoError(t, err)
		require.Equal(t, string(one), string(p))
	}
}

// TestAuditRetention: with a retention, a request's audit records go to
// their own message with a TTL, its domain events to a message without;
// the records age out of the stream (DenyDelete does not stop a TTL), the
// domain events stay, and every request is still one commit.
func TestAuditRetention(t *testing.T) {
	dir := t.TempDir()
	// A ledger from before: no TTLs allowed on its stream.
	old := startLedger(t, dir)
	ctx := context.Background()
	_, err := old.store.Writer().Append(ctx, request(0)...)
	require.NoError(t, err)
	old.stop()

	tl := startLedgerWith(t, dir, OpenOptions{Replicas: 1, AuditRetention: time.Second})
	info, err := tl.store.StreamInfo(ctx)
	require.NoError(t, err)
	require.True(t, info.Config.AllowMsgTTL, "the old stream takes AllowMsgTTL")
	require.True(t, info.Config.DenyDelete)
	w := tl.store.Writer()
	var wg sync.WaitGroup
	seqs := make([]uint64, 20)
	for i := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			seqs[i], err = w.Append(ctx, request(i+1)...)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	readOnly, err := w.Append(ctx, NewEvent(testAuditType, 1, map[string]any{"read": true}))
	require.NoError(t, err)

	count := func() (audit, domain int, seen map[string]bool) {
		seen = map[string]bool{}
		for _, r := range readAll(t, tl.store) {
			seen[r.Type+"/"+r.Aggregate] = true
			switch r.Type {
			case testAuditType:
				audit++
			case testDomainType:
				domain++
			}
		}
		return
	}
	audit, domain, _ := count()
	require.Equal(t, 2*21+1, audit)
	require.Equal(t, 21, domain)
	// Each split request: its audit message right before its commit.
	m, err := tl.store.Get(ctx, seqs[0]-1)
	require.NoError(t, err)
	require.Equal(t, SubjectAudit, m.Subject)
	raw, err := tl.store.stream.GetMsg(ctx, seqs[0]-1)
	require.NoError(t, err)
	commit, err := tl.store.stream.GetMsg(ctx, seqs[0])
	require.NoError(t, err)
	require.Equal(t, commit.Header.Get(jetstream.MsgIDHeader), raw.Header.Get(HeaderCommit))
	require.Equal(t, "1s", raw.Header.Get(headerTTL))
	st := w.Stats()
	require.Greater(t, st.Messages, uint64(0))

	require.Eventually(t, func() bool {
		_, err := tl.store.stream.GetMsg(ctx, readOnly)
		return err != nil
	}, 10*time.Second, 100*time.Millisecond, "the audit records age out")
	audit, domain, seen := count()
	require.Equal(t, 2, audit, "only the records from before the retention stay")
	require.Equal(t, 21, domain, "domain events stay")
	require.True(t, seen[testDomainType+"/20"])

	// An aged-out index reads as an empty message, in time order.
	gone, err := tl.store.Get(ctx, readOnly)
	require.NoError(t, err)
	require.Empty(t, gone.Subject)
	recs, err := tl.store.Decode(gone)
	require.NoError(t, err)
	require.Empty(t, recs)
	before, err := tl.store.Get(ctx, seqs[0])
	require.NoError(t, err)
	require.False(t, gone.Stored.Before(before.Stored))
	_, err = tl.store.Get(ctx, readOnly+100)
	require.Error(t, err, "past the end is no gap")

	// Deletes are still refused.
	_, err = tl.store.stream.GetMsg(ctx, seqs[0])
	require.NoError(t, err)
	require.Error(t, tl.store.stream.DeleteMsg(ctx, seqs[0]))

	// Without a retention the stream keeps AllowMsgTTL (JetStream cannot
	// take it back) and opens.
	tl.stop()
	again := startLedger(t, dir)
	info, err = again.store.StreamInfo(ctx)
	require.NoError(t, err)
	require.True(t, info.Config.AllowMsgTTL)
}

// TestCountEventsOverAgedOutRange: a count over messages that all aged
// out returns rather than waiting for them.
func TestCountEventsOverAgedOutRange(t *testing.T) {
	tl := startLedgerWith(t, t.TempDir(), OpenOptions{Replicas: 1, AuditRetention: time.Second})
	ctx := context.Background()
	before, err := tl.store.LastSeq(ctx)
	require.NoError(t, err)
	var last uint64
	for i := range 3 {
		last, err = tl.store.Writer().Append(ctx, NewEvent(testAuditType, 1, map[string]any{"read": i}), NewEvent(testAuditType, 1, map[string]any{"resp": i}))
		require.NoError(t, err)
	}
	n, err := tl.store.CountEvents(ctx, before, last)
	require.NoError(t, err)
	require.EqualValues(t, 6, n, "three messages of two records, read from their headers")
	require.Eventually(t, func() bool {
		m, err := tl.store.Get(ctx, last)
		return err == nil && m.Subject == ""
	}, 10*time.Second, 100*time.Millisecond)
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	n, err = tl.store.CountEvents(cctx, before, last)
	require.NoError(t, err)
	require.Zero(t, n)
}
