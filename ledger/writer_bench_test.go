package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkAppendGroupCommit measures events/s through the group-commit
// writer with 16 concurrent producers and 512-byte payloads:
//
//	go test -run '^$' -bench Append -benchtime 20000x ./ledger/
func BenchmarkAppendGroupCommit(b *testing.B) {
	tl := startLedger(b, b.TempDir())
	w := tl.store.Writer()
	payload := make([]byte, 512)
	b.SetParallelism(8) // 8 x GOMAXPROCS(2) = 16 producers
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := w.Append(context.Background(), NewEvent("bench.appended", 1, payload)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := w.Stats()
	b.ReportMetric(float64(st.Events)/float64(st.Messages), "events/msg")
	// Where a commit's time goes: publish to fsynced ack, and a request's
	// wait before its message was published.
	b.ReportMetric(float64(st.CommitNanos)/float64(st.Messages)/1e3, "commit-us")
	b.ReportMetric(float64(st.WaitNanos)/float64(st.Requests)/1e3, "queue-us")
	// The share of the wall time a message was in flight: what is left is
	// the gap between an ack and the next publish, all that a deeper
	// pipeline could still win.
	b.ReportMetric(100*float64(st.CommitNanos)/float64(time.Since(start)), "inflight-%")
}

// BenchmarkPublishOnePerEvent is the baseline the writer exists to beat:
// one fsynced JetStream publish per event, same producers and payload.
func BenchmarkPublishOnePerEvent(b *testing.B) {
	tl := startLedger(b, b.TempDir())
	js := tl.store.JetStream()
	payload := make([]byte, 512)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := js.Publish(context.Background(), "coffer.ledger.bench", payload, jetstream.WithMsgID(NewID())); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAppendAudited appends what an audited write appends (a request
// record, a 512-byte domain event, a response record) with 16 producers,
// with audit records kept forever (one message per group) and with an
// audit retention (each group as an audit message with a TTL and a
// domain message fenced after it):
//
//	go test -run '^$' -bench Audited -benchtime 20000x ./ledger/
func BenchmarkAppendAudited(b *testing.B) {
	for _, ret := range []time.Duration{0, time.Hour} {
		b.Run("retention="+ret.String(), func(b *testing.B) {
			tl := startLedgerWith(b, b.TempDir(), OpenOptions{Replicas: 1, AuditRetention: ret})
			w := tl.store.Writer()
			payload := make([]byte, 512)
			record := make([]byte, 300)
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					evs := []Event{NewEvent(testAuditType, 1, record), NewEvent("bench.appended", 1, payload), NewEvent(testAuditType, 1, record)}
					if _, err := w.Append(context.Background(), evs...); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			st := w.Stats()
			b.ReportMetric(float64(st.Requests)/float64(st.Messages), "requests/msg")
			b.ReportMetric(float64(st.Bytes)/float64(st.Requests), "B/request")
		})
	}
}
