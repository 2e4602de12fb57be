package cubbyhole

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
)

func TestDecideWriteSequencesOnTheTokensCubbyhole(t *testing.T) {
	st := cubbyholestore.State{Version: 4, KeyID: "k1"}
	events := DecideWrite("tokhash", st, "k1", "entry", []byte{1, 2})
	if len(events) != 1 {
		t.Fatalf("got %d events", len(events))
	}
	e := events[0]
	if e.Type != cubbyholeevent.EventWritten || e.Kind != cubbyholeevent.Kind || e.Aggregate != "tokhash" || e.Version != 5 {
		t.Fatalf("event %s %s/%s v%d", e.Type, e.Kind, e.Aggregate, e.Version)
	}
	var w cubbyholeevent.Written
	if err := json.Unmarshal(e.Data, &w); err != nil {
		t.Fatal(err)
	}
	if w.KeyID != "k1" || w.Entry != "entry" || string(w.Sealed) != "\x01\x02" {
		t.Fatalf("payload %+v", w)
	}
}

func TestDecideDeleteOfAMissingEntryRecordsNothing(t *testing.T) {
	st := cubbyholestore.State{Version: 2, KeyID: "k"}
	if ev := DecideDelete("t", st, "e", false); ev != nil {
		t.Fatalf("missing entry: %v", ev)
	}
	ev := DecideDelete("t", st, "e", true)
	if len(ev) != 1 || ev[0].Type != cubbyholeevent.EventDeleted || ev[0].Version != 3 {
		t.Fatalf("delete: %+v", ev)
	}
}

func TestDecideEraseNamesTheKey(t *testing.T) {
	if ev := DecideErase("t", cubbyholestore.State{Version: 3}, cubbyholeevent.ReasonTokenRevoked); ev != nil {
		t.Fatalf("an erased or empty cubbyhole erases nothing: %v", ev)
	}
	ev := DecideErase("t", cubbyholestore.State{Version: 3, KeyID: "k9"}, cubbyholeevent.ReasonUnwrapped)
	if len(ev) != 1 || ev[0].Version != 4 {
		t.Fatalf("erase: %+v", ev)
	}
	var e cubbyholeevent.Erased
	if err := json.Unmarshal(ev[0].Data, &e); err != nil || e.KeyID != "k9" || e.Reason != cubbyholeevent.ReasonUnwrapped {
		t.Fatalf("payload %+v (%v)", e, err)
	}
}

func TestWrappingTokenShape(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := PlanWrappingToken(90*time.Second+500*time.Millisecond, "sys/wrapping/wrap", now)
	if c.Parent != "" || c.NumUses != 1 || c.TTL != 90 || c.ExplicitMaxTTL != 90 || c.Renewable ||
		!c.ExpireTime.Equal(now.Add(90*time.Second)) || c.Path != "sys/wrapping/wrap" || len(c.Policies) != 1 || c.Policies[0] != WrappingPolicy {
		t.Fatalf("wrapping token %+v", c)
	}
	live := &tokenevent.Token{Policies: []string{WrappingPolicy}, ExpireTime: now.Add(time.Minute)}
	if !IsWrapping(live, now) {
		t.Fatal("a live wrapping token")
	}
	if IsWrapping(live, now.Add(time.Minute)) {
		t.Fatal("an expired wrapping token")
	}
	if IsWrapping(&tokenevent.Token{Policies: []string{WrappingPolicy, "default"}}, now) {
		t.Fatal("a token with other policies is no wrapping token")
	}
}
