package events

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
)

// ReplayQuery selects part of the ledger.
type ReplayQuery struct {
	// From and To are the first and last index read (inclusive).
	From, To uint64
	// After skips everything up to and including a cursor (pagination).
	After *Cursor
	// PathPrefix keeps records whose request path, event path or data
	// path starts with it.
	PathPrefix string
	// Actor keeps records of one token accessor (raw, or as the audit
	// records show it: "hmac-sha256:...").
	Actor string
	// Type is a glob over the public type ("kv-v2/*") or the ledger type
	// ("audit.*", "lease.pending").
	Type string
	// Limit caps the entries returned; the next page starts after the
	// last one.
	Limit int
}

// ReplayEntry is one record of the ledger as an auditor sees it. Audit
// records come as the gateway stored them (strings HMAC'd); domain events
// come as their public event, or as their envelope alone when they have
// none. A secret payload is never included.
type ReplayEntry struct {
	Cursor      string    `json:"cursor"`
	LedgerIndex uint64    `json:"ledger_index"`
	Time        time.Time `json:"time"`
	// Type is the public type, or the ledger type when there is none.
	Type       string `json:"type"`
	LedgerType string `json:"ledger_type"`
	Actor      string `json:"actor,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
	Path       string `json:"path,omitempty"`
	Operation  string `json:"operation,omitempty"`
	// Error is the error an audit.response recorded.
	Error string          `json:"error,omitempty"`
	Audit json.RawMessage `json:"audit,omitempty"`
	Event *Event          `json:"event,omitempty"`
}

// ReplayPage is one page of a replay.
type ReplayPage struct {
	Entries []ReplayEntry `json:"entries"`
	// Next is the cursor to pass as after for the next page; empty when
	// the range is exhausted.
	Next string `json:"next,omitempty"`
	// From and To are the index range read.
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// auditView is what replay reads of an audit record to filter and label
// it.
type auditView struct {
	Error   string `json:"error"`
	Request struct {
		Path      string `json:"path"`
		Operation string `json:"operation"`
	} `json:"request"`
}

// Replay reads q's range and returns the matching entries. Its cost is
// linear in the number of messages read.
func (h *Hub) Replay(ctx context.Context, q ReplayQuery) (ReplayPage, error) {
	page := ReplayPage{Entries: []ReplayEntry{}, From: q.From, To: q.To}
	l := h.opts.Deps.Ledger
	var actorHMAC string
	if q.Actor != "" && !strings.HasPrefix(q.Actor, "hmac-sha256:") {
		if b := l.Barrier(); b != nil {
			actorHMAC = b.AuditHMAC(q.Actor)
		}
	}
	from := q.From
	if q.After != nil && q.After.Seq >= from {
		from = q.After.Seq
		if q.After.Pos == wholeMessage {
			from++
		}
	}
	m := newMapper(h.source, h.mounts, h.maps, h.opts.Deps)
	m.marshal = false
	err := readRange(ctx, l, from, q.To, func(_ ledger.Message, recs []ledger.Record) error {
		for i := range recs {
			rec := &recs[i]
			// Map every record, even skipped ones: the mapper learns
			// mounts and DELETE requests from them.
			e, ok := replayEntry(m, rec)
			cur := Cursor{Seq: rec.Seq, Pos: rec.Pos}
			if !ok || (q.After != nil && !q.After.Before(cur)) || !q.keeps(&e, actorHMAC) {
				continue
			}
			if q.Limit > 0 && len(page.Entries) >= q.Limit {
				page.Next = page.Entries[len(page.Entries)-1].Cursor
				return errStop
			}
			page.Entries = append(page.Entries, e)
		}
		return nil
	})
	return page, err
}

func replayEntry(m *mapper, rec *ledger.Record) (ReplayEntry, bool) {
	e := ReplayEntry{
		Cursor: Cursor{Seq: rec.Seq, Pos: rec.Pos}.String(), LedgerIndex: rec.Seq, Time: rec.At,
		Type: rec.Type, LedgerType: rec.Type, Actor: rec.Actor, RequestID: rec.RequestID,
	}
	switch rec.Type {
	case auditevent.EventRequest, auditevent.EventResponse:
		m.noteRequest(rec)
		var v auditView
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			return e, false
		}
		e.Path, e.Operation, e.Error = v.Request.Path, v.Request.Operation, v.Error
		e.Audit = bytes.Clone(rec.Data)
		return e, true
	}
	if p := m.mapRecord(rec); p != nil {
		e.Type, e.Path, e.Operation, e.Event = p.typ, p.path, p.event.Data.Event.Metadata["operation"], p.event
	}
	return e, true
}

func (q *ReplayQuery) keeps(e *ReplayEntry, actorHMAC string) bool {
	if q.Type != "" && !matchGlob(q.Type, e.Type) && !matchGlob(q.Type, e.LedgerType) {
		return false
	}
	if q.Actor != "" && e.Actor != q.Actor && e.Actor != actorHMAC {
		return false
	}
	if q.PathPrefix != "" {
		dataPath := ""
		if e.Event != nil {
			dataPath = e.Event.Data.Event.Metadata["data_path"]
		}
		if !hasPathPrefix(e.Path, q.PathPrefix) && !hasPathPrefix(dataPath, q.PathPrefix) {
			return false
		}
	}
	return true
}
