package gateway

import (
	"encoding/json"
	"testing"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
)

// BenchmarkAuditRecords builds and encodes the two audit records of one
// transit-encrypt request (a token with an accessor, a plaintext in, a
// ciphertext out), as serve does for every request: the HMACs, the
// record structs and their JSON.
func BenchmarkAuditRecords(b *testing.B) {
	env := ledgertest.Start(b, ledgertest.Options{})
	a := auditor{barrier: env.Ledger.Barrier}
	req := &framework.Request{
		ID: "0b6a3a47-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Operation: framework.UpdateOperation, Path: "encrypt/bench",
		MountPath: "transit/", MountType: "transit", MountAccessor: "transit_1a2b3c4d",
		Data: map[string]any{"plaintext": "aGVsbG8gd29ybGQsIHRoaXMgaXMgYSB0ZXN0IHBsYWludGV4dA=="},
		Auth: &framework.Caller{ClientToken: "hvs.CAESIJ1bench0token0value0of0a0realistic0length", Accessor: "hJ4bCzQp0Ykd8vW2xN6mT1aR",
			Policies: []string{"default", "transit-user"}, DisplayName: "token", TokenType: "service"},
	}
	resp := &framework.Response{Data: map[string]any{"ciphertext": "vault:v1:8SDd3WHDOjf7mq69CyCqYjBXAiQQAVZRkFM13ok481zoCmHnSeDX9vyf7w==", "key_version": 1}}
	b.ReportAllocs()
	defer ledgertest.CPUPerOp(b)()
	for b.Loop() {
		rec := a.request(req, "transit/encrypt/bench", "127.0.0.1:50312")
		_ = auditEvent(auditevent.EventRequest, rec)
		_ = auditEvent(auditevent.EventResponse, a.response(rec, resp, ""))
	}
}

// BenchmarkEnvelope encodes a KV v2 read's response envelope with
// json.Marshal (before) and appendEnvelope (after).
func BenchmarkEnvelope(b *testing.B) {
	env := envelope{RequestID: "0b6a3a47-1c2d-4e5f-8a9b-0c1d2e3f4a5b", MountType: "kv", Data: map[string]any{
		"data": map[string]any{"user": "app", "password": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123"},
		"metadata": map[string]any{"created_time": "2026-12-03T14:05:06.000000789Z", "custom_metadata": nil, "deletion_time": "",
			"destroyed": false, "version": json.Number("3")},
	}}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			if _, err := json.Marshal(env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendEnvelope", func(b *testing.B) {
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			if _, err := appendEnvelope(make([]byte, 0, 512), &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
