package events

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// fillLedger appends n events shaped like real traffic: per request an
// audit.request, a kv.version_written (100-byte ciphertext) and an
// audit.response, 33 requests per message as the group-committing writer
// packs them under load.
func fillLedger(b *testing.B, s *stack, n int) uint64 {
	b.Helper()
	ctx := context.Background()
	w := s.ledger.Writer()
	ct := make([]byte, 100)
	_, _ = rand.Read(ct)
	auditBody := func(typ, path string) ledger.Event {
		e := ledger.NewEvent(typ, 1, map[string]any{
			"time": time.Now().UTC(), "type": typ[len("audit."):],
			"auth": map[string]any{"client_token": "hmac-sha256:" + fmt.Sprintf("%064x", 1), "accessor": "hmac-sha256:" + fmt.Sprintf("%064x", 2), "policies": []string{"default", "app"}},
			"request": map[string]any{"id": ledger.NewID(), "operation": "create", "mount_type": "kv", "mount_accessor": s.kvMount,
				"mount_point": "secret/", "path": path, "data": map[string]any{"data": map[string]any{"v": "hmac-sha256:" + fmt.Sprintf("%064x", 3)}},
				"remote_address": "127.0.0.1"},
		})
		e.Actor = "hmac-sha256:" + fmt.Sprintf("%064x", 2)
		return e
	}
	var last uint64
	for written := 0; written < n; {
		var batch []ledger.Event
		for i := 0; i < 33 && written < n; i++ {
			path := fmt.Sprintf("bench/%d", written)
			kvEvent := ledger.MakeEvent(kvevent.EventVersionWritten, kvevent.VersionWritten{
				Mount: s.kvMount, Path: path, Version: 1, CreatedTime: time.Now().UTC(), DataKey: ledger.NewID(), Ciphertext: ct, OldestVersion: 1,
			})
			kvEvent.Actor = "acc-bench"
			batch = append(batch, auditBody("audit.request", "secret/data/"+path))
			batch = append(batch, commands.Sequence(kvevent.AggregateKind, "bench-"+path, 0, kvEvent)...)
			batch = append(batch, auditBody("audit.response", "secret/data/"+path))
			written += 3
		}
		seq, err := w.Append(ctx, batch...)
		require.NoError(b, err)
		last = seq
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	require.NoError(b, s.store.WaitApplied(wctx, last))
	return last
}

// BenchmarkReplayDecode measures the replay endpoint's core: read every
// message of a 100k-event ledger, decrypt and decode it, map domain
// events to public events and read audit records' paths (the filter drops
// everything, so the figure is decoding, not output):
//
//	go test -run '^$' -bench ReplayDecode -benchtime 3x ./engines/events/
func BenchmarkReplayDecode(b *testing.B) {
	const events = 100_000
	s := startStack(b, nil)
	last := fillLedger(b, s, events)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		page, err := s.hub.Replay(ctx, ReplayQuery{From: 1, To: last, Type: "nothing/matches"})
		require.NoError(b, err)
		require.Empty(b, page.Entries)
	}
	b.ReportMetric(float64(events*b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkLedgerDecode is the floor under BenchmarkReplayDecode: read and
// decrypt only.
func BenchmarkLedgerDecode(b *testing.B) {
	const events = 100_000
	s := startStack(b, nil)
	last := fillLedger(b, s, events)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n := 0
		require.NoError(b, readRange(ctx, s.ledger, 1, last, func(_ ledger.Message, recs []ledger.Record) error {
			n += len(recs)
			return nil
		}))
		require.GreaterOrEqual(b, n, events)
	}
	b.ReportMetric(float64(events*b.N)/time.Since(start).Seconds(), "events/s")
}
