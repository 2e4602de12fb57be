package transparency

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
)

// Benchmarks run on a ledger of benchMessages stored messages of
// benchPayload bytes each (raw publishes: hashing does not decrypt, so the
// payload only needs the size of a real batch), all checkpointed.
//
//	go test -run '^$' -bench . -benchtime 3x ./ledger/transparency/
const (
	benchMessages = 20_000
	benchPayload  = 600
)

func publishRaw(b *testing.B, n *testNode, count int) {
	b.Helper()
	js := n.st.JetStream()
	payload := make([]byte, benchPayload)
	for done := 0; done < count; {
		batch := min(1000, count-done)
		for i := 0; i < batch; i++ {
			_, _ = rand.Read(payload)
			_, err := js.PublishAsync(ledger.SubjectBatch, payload, jetstream.WithMsgID(ledger.NewID()))
			require.NoError(b, err)
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(time.Minute):
			b.Fatal("async publishes did not complete")
		}
		done += batch
	}
}

// benchLedger builds the ledger once per benchmark and reports how fast
// the checkpointer hashed it from zero (what a restart without a leaf store
// would cost).
func benchLedger(b *testing.B) (*testNode, []byte) {
	b.Helper()
	n := startNode(b, b.TempDir())
	publishRaw(b, n, benchMessages)
	start := time.Now()
	rc := startCheckpointer(b, n, Options{Interval: 20 * time.Millisecond})
	rc.waitCovered(b, n)
	elapsed := time.Since(start)
	require.NoError(b, rc.halt(b))
	b.Logf("checkpointer hashed %d messages from zero in %v (%.0f msgs/s)", benchMessages+2, elapsed.Round(time.Millisecond), float64(benchMessages+2)/elapsed.Seconds())
	rec, err := StoredKey(context.Background(), NewSource(n.st.JetStream()))
	require.NoError(b, err)
	pub, err := rec.PublicKey()
	require.NoError(b, err)
	return n, pub
}

func BenchmarkLeafHash(b *testing.B) {
	m := Message{Seq: 1, Subject: ledger.SubjectBatch, Header: map[string][]string{"Nats-Msg-Id": {ledger.NewID()}, "Nats-Expected-Last-Sequence": {"12345"}}, Data: make([]byte, benchPayload), Stored: time.Now()}
	b.SetBytes(benchPayload)
	for b.Loop() {
		MessageLeafHash(m)
	}
}

func BenchmarkVerify(b *testing.B) {
	n, pub := benchLedger(b)
	src := NewSource(n.st.JetStream())
	var msgs int64
	for b.Loop() {
		rep, err := Verify(context.Background(), src, pub)
		require.NoError(b, err)
		require.True(b, rep.OK, "%+v", rep.Problems)
		msgs += rep.Messages
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkVerifyOffline is the `coffer ledger verify -data-dir` path:
// copy the data dir, start a server on the copy, verify.
func BenchmarkVerifyOffline(b *testing.B) {
	n, pub := benchLedger(b)
	n.stop()
	var msgs int64
	for b.Loop() {
		o, err := OpenOffline(n.dir)
		require.NoError(b, err)
		rep, err := Verify(context.Background(), o, pub)
		require.NoError(b, err)
		require.True(b, rep.OK, "%+v", rep.Problems)
		msgs += rep.Messages
		require.NoError(b, o.Close())
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkCheckpointerFromZero(b *testing.B) {
	n, _ := benchLedger(b)
	js := n.st.JetStream()
	for b.Loop() {
		b.StopTimer()
		require.NoError(b, js.DeleteStream(context.Background(), StreamName))
		b.StartTimer()
		rc := startCheckpointer(b, n, Options{Interval: 10 * time.Millisecond})
		rc.waitCovered(b, n)
		require.NoError(b, rc.halt(b))
	}
	b.ReportMetric(float64(benchMessages+2)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkProve(b *testing.B) {
	n, pub := benchLedger(b)
	src := NewSource(n.st.JetStream())
	i := uint64(0)
	for b.Loop() {
		i = i*7919%benchMessages + 1
		p, err := Prove(context.Background(), src, i)
		require.NoError(b, err)
		require.NoError(b, CheckProof(p, pub), fmt.Sprint(i))
	}
}
