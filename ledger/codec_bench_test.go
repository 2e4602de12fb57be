package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
)

// What one audited transit-encrypt request appends (its request and
// response records, as gateway/auditjson.go writes them), and what an
// audited KV write adds (a version event of an aggregate).
const (
	benchRequestRecord  = `{"time":"2026-12-03T15:12:39.374263291Z","type":"request","auth":{"client_token":"hmac-sha256:e0fd52e10a0b0aa0ea84f74ad6c36b7bb6e9b59f474e2b05877d29c6d6c0951c","accessor":"hmac-sha256:02972241c841742b74435ef10d9ecfde842bbe8a621c996be70a5915d85e0cdb","display_name":"token","policies":["default","transit-user"],"token_policies":["default","transit-user"],"token_type":"service"},"request":{"id":"49d468f3-7919-842e-40de-074e3b159031","operation":"update","mount_type":"transit","mount_accessor":"transit_1a2b3c4d","mount_point":"transit/","client_token":"hmac-sha256:e0fd52e10a0b0aa0ea84f74ad6c36b7bb6e9b59f474e2b05877d29c6d6c0951c","client_token_accessor":"hmac-sha256:02972241c841742b74435ef10d9ecfde842bbe8a621c996be70a5915d85e0cdb","namespace":{"id":"root"},"path":"transit/encrypt/bench","data":{"plaintext":"hmac-sha256:1625a8ffda470ac25099ddcbe82be31340e595aa4b1a11cbc305c223f47e2f9d"},"remote_address":"127.0.0.1:40248"}}`
	benchResponseRecord = `{"time":"2026-12-03T15:12:39.395716534Z","type":"response","auth":{"client_token":"hmac-sha256:e0fd52e10a0b0aa0ea84f74ad6c36b7bb6e9b59f474e2b05877d29c6d6c0951c","accessor":"hmac-sha256:02972241c841742b74435ef10d9ecfde842bbe8a621c996be70a5915d85e0cdb","display_name":"token","policies":["default","transit-user"],"token_policies":["default","transit-user"],"token_type":"service"},"request":{"id":"49d468f3-7919-842e-40de-074e3b159031","operation":"update","mount_type":"transit","mount_accessor":"transit_1a2b3c4d","mount_point":"transit/","client_token":"hmac-sha256:e0fd52e10a0b0aa0ea84f74ad6c36b7bb6e9b59f474e2b05877d29c6d6c0951c","client_token_accessor":"hmac-sha256:02972241c841742b74435ef10d9ecfde842bbe8a621c996be70a5915d85e0cdb","namespace":{"id":"root"},"path":"transit/encrypt/bench","data":{"plaintext":"hmac-sha256:1625a8ffda470ac25099ddcbe82be31340e595aa4b1a11cbc305c223f47e2f9d"},"remote_address":"127.0.0.1:40248"},"response":{"mount_type":"transit","data":{"ciphertext":"hmac-sha256:22ef313b310663dccbf710bae64a311d52fd2746bee5fba043d9222ac947d915","key_version":1}}}`
	benchVersionEvent   = `{"mount":"kv_3c6b3822","path":"app/db","version":1,"created_time":"2026-12-02T15:12:39.384935754Z","data_key":"a844aabdae8bd0432a19418aa2d8ad8b","ciphertext":"6t3jNzY5dmvnr+D5KXREcbrRoz1AoIcq3wdovqVZ1QXZSMAOaA34bjhVrJ2Yeg==","oldest_version":0}`
)

// benchRequest is one audited KV write's events: request record, version
// event, response record.
func benchRequest() []ledger.Event {
	at := time.Date(2026, 12, 3, 15, 12, 39, 374263291, time.UTC)
	audit := func(typ, data string) ledger.Event {
		return ledger.Event{ID: ledger.NewID(), Type: typ, Schema: 1, At: at, Actor: "hmac-sha256:02972241c841742b74435ef10d9ecfde842bbe8a621c996be70a5915d85e0cdb",
			RequestID: "49d468f3-7919-842e-40de-074e3b159031", Data: []byte(data)}
	}
	v := ledger.Event{ID: ledger.NewID(), Type: "kv.version_written", Schema: 1, Kind: "kv", Aggregate: "kv_3c6b3822/app/db", Version: 7, At: at,
		Actor: "hmac-sha256:02972241c841742b74435ef10d9ecfde842bbe8a621c996be70a5915d85e0cdb", RequestID: "49d468f3-7919-842e-40de-074e3b159031",
		Correlation: "49d468f3-7919-842e-40de-074e3b159031", Data: []byte(benchVersionEvent)}
	return []ledger.Event{audit("audit.request", benchRequestRecord), v, audit("audit.response", benchResponseRecord)}
}

// BenchmarkEncodeEvents is a caller's share of the writer's work per
// request: its events' JSON.
//
//	go test ./ledger -run '^$' -bench 'EncodeEvents|DecodeBatch' -benchtime 20000x -count 3
func BenchmarkEncodeEvents(b *testing.B) {
	events := benchRequest()
	b.ReportAllocs()
	defer ledgertest.CPUPerOp(b)()
	for b.Loop() {
		if _, err := ledger.EncodeEvents(events); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBatch is what every reader of a message (the projector
// first) spends on its body once opened and uncompressed: eight audited
// writes, 24 events, the size of a group under load. Per message.
func BenchmarkDecodeBatch(b *testing.B) {
	body := benchBody(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	defer ledgertest.CPUPerOp(b)()
	for b.Loop() {
		if _, err := ledger.DecodeBatch(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompressBatch is the writer's S2 work on the same body, per
// message, with the compressed size reported.
func BenchmarkCompressBatch(b *testing.B) {
	body := benchBody(b)
	b.SetBytes(int64(len(body)))
	var n int
	defer ledgertest.CPUPerOp(b)()
	for b.Loop() {
		n = len(ledger.CompressBatch(body))
	}
	b.ReportMetric(float64(n), "stored-B")
}

// benchBody is a batch body of eight audited KV writes by one client
// token: their request ids, remote ports and HMAC'd values differ, as
// they do under loadgen.
func benchBody(b *testing.B) []byte {
	var parts [][]byte
	for range 8 {
		events := benchRequest()
		id, value := ledger.NewID(), ledger.NewID()+ledger.NewID()
		for i := range events {
			d := strings.ReplaceAll(string(events[i].Data), "49d468f3-7919-842e-40de-074e3b159031", id)
			d = strings.ReplaceAll(d, "1625a8ffda470ac25099ddcbe82be31340e595aa4b1a11cbc305c223f47e2f9d", value)
			d = strings.ReplaceAll(d, "40248", id[:5])
			events[i].Data, events[i].RequestID = []byte(d), id
		}
		p, err := ledger.EncodeEvents(events)
		if err != nil {
			b.Fatal(err)
		}
		parts = append(parts, p)
	}
	return ledger.BatchBody(parts...)
}
