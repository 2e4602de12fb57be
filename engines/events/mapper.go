package events

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// mapper turns ledger records into public events. It is not safe for
// concurrent use: the hub owns one (fed by the projector, in order) and
// every replay has its own. The mount cache is shared.
type mapper struct {
	source string
	mounts *mountCache
	maps   map[string]func(framework.EventContext, *ledger.Record) (framework.PublicEvent, bool)
	// marshal makes each event's JSON once, for streams that share it;
	// replay pages are marshalled whole instead.
	marshal bool
	// dataDeletes remembers the ids of recent HTTP DELETE requests: a
	// kv.versions_deleted caused by one is Vault's kv-v2/data-delete, any
	// other is kv-v2/delete. The audit request precedes the domain event
	// in the ledger, so an in-order reader always sees it first.
	dataDeletes requestMemo
	// deps reads lease owners and HMACs bearer values; a zero Deps (unit
	// tests) knows no owner and redacts to a fixed marker.
	deps framework.Deps
}

func newMapper(source string, mounts *mountCache, maps map[string]func(framework.EventContext, *ledger.Record) (framework.PublicEvent, bool), deps framework.Deps) *mapper {
	return &mapper{source: source, mounts: mounts, maps: maps, marshal: true, dataDeletes: newRequestMemo(1024), deps: deps}
}

// LeaseOwner implements framework.EventContext.
func (m *mapper) LeaseOwner(leaseID string) string {
	if m.deps.Store == nil || m.deps.Ledger == nil {
		return ""
	}
	st, err := leasestore.Get(m.deps.Store, m.deps.Ledger.Barrier(), leaseID)
	if err != nil {
		return ""
	}
	return st.TokenAccessor
}

// hmac is the audit HMAC of a bearer value, so an investigator can match
// it with sys/audit-hash as in the audit trail.
func (m *mapper) hmac(v string) string {
	if m.deps.Ledger == nil {
		return "hmac-sha256:redacted"
	}
	return m.deps.Ledger.Barrier().AuditHMAC(v)
}

// EventContext: what the modules' maps may ask about the ledger.

// MountByAccessor implements framework.EventContext.
func (m *mapper) MountByAccessor(accessor string) (framework.MountRef, bool) {
	return m.mounts.byAccessorOf(accessor)
}

// MountByPath implements framework.EventContext.
func (m *mapper) MountByPath(path string) (framework.MountRef, bool) {
	return m.mounts.byPathPrefix(path)
}

// WasHTTPDelete implements framework.EventContext.
func (m *mapper) WasHTTPDelete(requestID string) bool { return m.dataDeletes.has(requestID) }

// mapRecord returns the public event of rec, or nil.
func (m *mapper) mapRecord(rec *ledger.Record) *published {
	m.mounts.learn(rec)
	if rec.Type == auditevent.EventRequest {
		m.noteRequest(rec)
		return nil
	}
	fn, ok := m.maps[rec.Type]
	if !ok {
		return nil
	}
	d, ok := fn(m, rec)
	if !ok {
		return nil
	}
	cur := Cursor{Seq: rec.Seq, Pos: rec.Pos}
	if d.Metadata == nil {
		d.Metadata = map[string]string{}
	}
	d.Metadata["path"], d.Metadata["data_path"] = d.Path, d.DataPath
	d.Metadata["operation"] = d.Type[strings.LastIndexByte(d.Type, '/')+1:]
	ev := &Event{
		ID: rec.ID, Source: m.source, SpecVersion: "1.0", Type: d.Type,
		DataContentType: "application/json", Time: rec.At,
		Data: EventData{
			Event:     EventBody{ID: rec.ID, Metadata: d.Metadata},
			EventType: d.Type,
			PluginInfo: PluginInfo{
				MountClass: mountClass(d.Mount), MountAccessor: d.Mount.Accessor,
				MountPath: d.Mount.Path, Plugin: plugin(d.Mount),
			},
			LedgerIndex: rec.Seq, Cursor: cur.String(), Actor: rec.Actor,
		},
	}
	p := &published{cursor: cur, typ: d.Type, path: d.Path, dataPath: d.DataPath, event: ev, owner: d.Owner}
	p.redacted = m.redact(ev, d.Bearer)
	if m.marshal {
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil // only strings, times and numbers: cannot fail
		}
		p.json = raw
		if p.redacted != ev {
			if p.redactedJSON, err = json.Marshal(p.redacted); err != nil {
				return nil
			}
		} else {
			p.redactedJSON = raw
		}
	}
	return p
}

// redact returns ev as a subscriber without sudo sees it: every bearer
// value (lease id, token accessor), and the actor's accessor, replaced by
// its audit HMAC wherever it occurs (metadata, paths). ev itself when
// there is nothing to hide.
func (m *mapper) redact(ev *Event, bearer []string) *Event {
	var pairs []string
	for _, b := range bearer {
		if b != "" {
			pairs = append(pairs, b, m.hmac(b))
		}
	}
	actor := ev.Data.Actor
	if actor != "" && actor != "system" && !strings.HasPrefix(actor, "hmac-sha256:") {
		pairs = append(pairs, actor, m.hmac(actor))
	}
	if len(pairs) == 0 {
		return ev
	}
	r := strings.NewReplacer(pairs...)
	out := *ev
	out.Data.Event.Metadata = make(map[string]string, len(ev.Data.Event.Metadata))
	for k, v := range ev.Data.Event.Metadata {
		out.Data.Event.Metadata[k] = r.Replace(v)
	}
	if actor != "" {
		out.Data.Actor = r.Replace(actor)
	}
	return &out
}

// deleteOp is how a DELETE request shows in its audit record; checking
// the bytes first spares decoding every other audit record.
var deleteOp = []byte(`"operation":"delete"`)

func (m *mapper) noteRequest(rec *ledger.Record) {
	if !bytes.Contains(rec.Data, deleteOp) {
		return
	}
	var r struct {
		Request struct {
			ID        string `json:"id"`
			Operation string `json:"operation"`
		} `json:"request"`
	}
	if json.Unmarshal(rec.Data, &r) == nil && r.Request.Operation == "delete" {
		m.dataDeletes.add(r.Request.ID)
	}
}

func mountClass(mi framework.MountRef) string {
	switch mi.Type {
	case "system":
		return ""
	case "token":
		return "auth"
	}
	if strings.HasPrefix(mi.Path, "auth/") {
		return "auth"
	}
	return "secret"
}

func plugin(mi framework.MountRef) string {
	if mi.Type == "kv-v2" {
		return "kv"
	}
	return mi.Type
}

// eventMaps indexes the modules' event maps by ledger type. Two modules
// mapping one type is a programming error.
func eventMaps(maps []framework.EventMap) map[string]func(framework.EventContext, *ledger.Record) (framework.PublicEvent, bool) {
	out := map[string]func(framework.EventContext, *ledger.Record) (framework.PublicEvent, bool){}
	for _, em := range maps {
		for _, t := range em.Types {
			if _, dup := out[t]; dup {
				panic("events: two event maps for " + t)
			}
			out[t] = em.Map
		}
	}
	return out
}

// requestMemo is a bounded set of request ids, oldest forgotten first.
type requestMemo struct {
	set  map[string]struct{}
	ring []string
	next int
}

func newRequestMemo(size int) requestMemo {
	return requestMemo{set: make(map[string]struct{}, size), ring: make([]string, size)}
}

func (r *requestMemo) add(id string) {
	if id == "" {
		return
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.set, old)
	}
	r.ring[r.next] = id
	r.set[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
}

func (r *requestMemo) has(id string) bool {
	_, ok := r.set[id]
	return ok
}
