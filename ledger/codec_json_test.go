package ledger

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// jsonCases are events whose JSON the hand encoder must write as
// encoding/json does: canonical ones (its fast path) and every kind of
// input it must hand to encoding/json instead.
func jsonCases() []Event {
	at := time.Date(2026, 12, 3, 15, 12, 39, 374263291, time.UTC)
	base := Event{ID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", Type: "audit.request", Schema: 1, At: at, Actor: "hmac-sha256:0297", RequestID: "49d468f3"}
	with := func(f func(e *Event)) Event { e := base; f(&e); return e }
	return []Event{
		base,
		with(func(e *Event) {
			e.Data = json.RawMessage(`{"a":[1,-2.5e+3,true,false,null,"x\"\\\u00e9\u003c"],"b":{}}`)
		}),
		with(func(e *Event) {
			e.Kind, e.Aggregate, e.Version, e.Correlation, e.Causation = "kv", "kv_1/app/db", 7, "c", "d"
		}),
		with(func(e *Event) { e.Data = json.RawMessage(`null`) }),
		with(func(e *Event) { e.Data = json.RawMessage(`"é ü 漢字"`) }),
		with(func(e *Event) { e.Data = json.RawMessage(`[]`) }),
		with(func(e *Event) { e.At = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 5400)) }),
		with(func(e *Event) { e.At = time.Time{} }),
		with(func(e *Event) { e.Schema = -3 }),
		// Strings and payloads encoding/json rewrites: the slow path.
		with(func(e *Event) { e.Type = `a<b>&"c"\` + "\n\u2028é" }),
		with(func(e *Event) { e.Actor = "\xff\xfe" }),
		with(func(e *Event) { e.Data = json.RawMessage(`{ "a" : 1 }`) }),
		with(func(e *Event) { e.Data = json.RawMessage(` 1`) }),
		with(func(e *Event) { e.Data = json.RawMessage(`"<script>&"`) }),
		with(func(e *Event) { e.Data = json.RawMessage("\"\u2028\u2029\"") }),
		with(func(e *Event) { e.Data = json.RawMessage("\"\xe2\x80\"") }),
		with(func(e *Event) { e.Data = json.RawMessage(`[1,[2,[3,{"d":[[[[]]]]}]]]`) }),
	}
}

// invalidData are payloads that are not JSON: encoding/json refuses them,
// so must the hand encoder (a batch that does not decode would stall every
// reader of the stream for good).
var invalidData = []string{`{`, `{"a":}`, `{"a" 1}`, `[1,]`, `01`, `1.`, `-`, `1e`, `tru`, `"a`, `"\x"`, `"\u12g4"`, `"\u123`, `"\u`, "\"\x01\"", `{"a":1}x`, `{1:2}`, `[1 2]`, `nul`}

// TestAppendEventIsEncodingJSONs: appendEvent writes json.Marshal's bytes,
// and refuses what it refuses.
func TestAppendEventIsEncodingJSONs(t *testing.T) {
	for i, e := range jsonCases() {
		want, err := json.Marshal(&e)
		require.NoError(t, err)
		got, err := appendEvent(nil, &e)
		require.NoError(t, err, "case %d", i)
		require.Equal(t, string(want), string(got), "case %d", i)
	}
	for _, d := range invalidData {
		// Capped, so that a read past the end panics instead of finding
		// the allocation's spare bytes.
		e := Event{ID: "x", Type: "t", Schema: 1, Data: json.RawMessage(d)[:len(d):len(d)]}
		_, want := json.Marshal(&e)
		require.Error(t, want, d)
		_, err := appendEvent(nil, &e)
		require.Error(t, err, "payload %q must be refused", d)
	}
	late := Event{ID: "x", Type: "t", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, err := appendEvent(nil, &late)
	require.Error(t, err, "a year json.Marshal refuses")
}

// TestDecodeFastIsEncodingJSONs: every body the encoder writes is read by
// the fast path, to the events encoding/json reads from it; bodies the
// fast path does not take still decode (through encoding/json), or are
// refused as before.
func TestDecodeFastIsEncodingJSONs(t *testing.T) {
	// Every case but those with envelope strings json.Marshal escapes
	// (the fast path reads plain strings only).
	var cases []Event
	for _, e := range jsonCases() {
		if plainString(e.Type) && plainString(e.Actor) {
			cases = append(cases, e)
		}
	}
	require.Len(t, cases, len(jsonCases())-2)
	enc, err := encodeEvents(cases)
	require.NoError(t, err)
	var body []byte
	body = append(append(append(body, batchPrefix...), enc...), batchSuffix...)
	old, err := json.Marshal(batchBody{Format: batchFormat, Events: cases})
	require.NoError(t, err)
	require.Equal(t, string(old), string(body), "the writer's body is json.Marshal's")

	fast, ok := decodeEventsFast(body)
	require.True(t, ok, "the fast path reads what the encoder writes")
	want, err := decodeBatchJSON(body)
	require.NoError(t, err)
	require.Equal(t, want, fast)
	for i := range want {
		require.True(t, want[i].At.Equal(cases[i].At))
	}

	all, err := encodeBatch(jsonCases())
	require.NoError(t, err)
	requireSameDecode(t, all)
	for _, b := range []string{
		`{"f":1,"e":[]}`,
		`{"f":1,"e":null}`,
		` {"f":1,"e":[]}`,
		`{"f":1,"e":[]} `,
		`{"e":[{"type":"a","schema":1}],"f":1}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"at":"2026-12-03T15:12:39Z","data":{ "a": 1 }}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":01,"at":"2026-12-03T15:12:39Z"}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"ver":0,"at":"2026-12-03T15:12:39Z"}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"kind":"","at":"2026-12-03T15:12:39Z"}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"at":"2026-12-03T15:12:39Z","id":"b"}]}`,
		`{"f":1,"e":[{"ID":"a","type":"t","schema":1,"at":"2026-12-03T15:12:39Z"}]}`,
		`{"f":1,"e":[{"id":"a\u0041","type":"t","schema":1,"at":"2026-12-03T15:12:39Z"}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"at":"not a time"}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1.5,"at":"2026-12-03T15:12:39Z"}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"at":"2026-12-03T15:12:39Z","data":{"a":}}]}`,
		`{"f":1,"e":[{"id":"a","type":"t","schema":1,"at":"2026-12-03T15:12:39Z"},]}`,
		`{"f":2,"e":[]}`,
	} {
		requireSameDecode(t, []byte(b))
	}
}

// requireSameDecode: what the fast path reads from body, encoding/json
// reads too, to equal events; decodeBatch's answer is encoding/json's.
func requireSameDecode(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := decodeBatchJSON(body)
	if fast, ok := decodeEventsFast(body); ok {
		require.NoError(t, wantErr, "the fast path took a body encoding/json refuses: %q", body)
		require.Equal(t, want, fast, "%q", body)
	}
	got, err := decodeBatch(body)
	if wantErr != nil {
		require.ErrorIs(t, err, ErrCorrupt, "%q", body)
		return
	}
	require.NoError(t, err, "%q", body)
	require.Equal(t, want, got, "%q", body)
}

// A decoded payload is a capped slice of the body: appending to one
// event's Data does not write over the next event.
func TestDecodedDataIsCapped(t *testing.T) {
	events := []Event{NewEvent("test.a", 1, "one"), NewEvent("test.b", 1, "two")}
	body, err := encodeBatch(events)
	require.NoError(t, err)
	got, ok := decodeEventsFast(body)
	require.True(t, ok)
	require.Equal(t, len(got[0].Data), cap(got[0].Data))
	_ = append(got[0].Data, bytes.Repeat([]byte("x"), len(body))...)
	require.Equal(t, `"two"`, string(got[1].Data))
}

// FuzzEventJSON: for any field values and payload, appendEvent writes
// json.Marshal's bytes (or both refuse), and any body the fast decoder
// takes, encoding/json reads to the same events.
func FuzzEventJSON(f *testing.F) {
	for _, e := range jsonCases() {
		f.Add(e.ID, e.Type, e.Aggregate, int64(e.Version), e.At.UnixNano(), []byte(e.Data))
	}
	for _, d := range invalidData {
		f.Add("id", "t", "", int64(0), int64(0), []byte(d))
	}
	f.Fuzz(func(t *testing.T, id, typ, agg string, ver, at int64, data []byte) {
		e := Event{ID: id, Type: typ, Schema: int(ver % 5), Kind: agg, Aggregate: agg, Version: uint64(ver), At: time.Unix(0, at).UTC(), Actor: id, Data: data}
		want, wantErr := json.Marshal(&e)
		got, err := appendEvent(nil, &e)
		if wantErr != nil {
			if err == nil {
				t.Fatalf("appendEvent took what json.Marshal refuses (%v): %q", wantErr, got)
			}
			return
		}
		if err != nil || string(got) != string(want) {
			t.Fatalf("appendEvent: %q, %v; json.Marshal: %q", got, err, want)
		}
		body := append(append(append([]byte(nil), batchPrefix...), got...), batchSuffix...)
		requireSameDecode(t, body)
		// The payload alone, as the whole body: damaged bodies too.
		requireSameDecode(t, data)
	})
}

// The fixture is a body written by the encoder before codec_json.go
// (json.Marshal of batchBody, 2026-12-03): messages stored then still
// decode, through the fast path, to what encoding/json reads.
func TestOldBodyFixtureDecodes(t *testing.T) {
	body, err := os.ReadFile("testdata/batch-json-v1.json")
	require.NoError(t, err)
	body = bytes.TrimSuffix(body, []byte("\n"))
	fast, ok := decodeEventsFast(body)
	require.True(t, ok)
	want, err := decodeBatchJSON(body)
	require.NoError(t, err)
	require.Equal(t, want, fast)
	require.Len(t, fast, 3)
	require.Equal(t, "audit.request", fast[0].Type)
	require.Equal(t, "kv", fast[1].Kind)
	require.Equal(t, uint64(7), fast[1].Version)
	again, err := encodeEvents(fast)
	require.NoError(t, err)
	require.Equal(t, string(body), string(batchPrefix)+string(again)+string(batchSuffix), "encoded again byte for byte")
}
