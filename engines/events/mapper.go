package events

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/cofferhq/coffer/ledger"
)

// Audit record types (written by the gateway). They are never public
// events; the mapper reads only their request id, operation and path.
const (
	auditRequestType  = "audit.request"
	auditResponseType = "audit.response"
)

// draft is what a family mapper decides about one record; mapRecord turns
// it into a published event.
type draft struct {
	typ      string
	path     string
	dataPath string
	mount    mountInfo
	meta     map[string]string
}

// familyMapper maps one ledger event type. ok=false means "not public".
type familyMapper func(m *mapper, rec *ledger.Record) (d draft, ok bool)

// families lists every ledger event type that becomes a public event.
// Types missing here (token renewals, lease.pending, mount table
// bookkeeping, audit records) are not published.
var families = map[string]familyMapper{}

func register(fn familyMapper, types ...string) {
	for _, t := range types {
		families[t] = fn
	}
}

// mapper turns ledger records into public events. It is not safe for
// concurrent use: the hub owns one (fed by the projector, in order) and
// every replay has its own. The mount cache is shared.
type mapper struct {
	source string
	mounts *mountCache
	// marshal makes each event's JSON once, for streams that share it;
	// replay pages are marshalled whole instead.
	marshal bool
	// dataDeletes remembers the ids of recent HTTP DELETE requests: a
	// kv.versions_deleted caused by one is Vault's kv-v2/data-delete, any
	// other is kv-v2/delete. The audit request precedes the domain event
	// in the ledger, so an in-order reader always sees it first.
	dataDeletes requestMemo
}

func newMapper(source string, mounts *mountCache) *mapper {
	return &mapper{source: source, mounts: mounts, marshal: true, dataDeletes: newRequestMemo(1024)}
}

// mapRecord returns the public event of rec, or nil.
func (m *mapper) mapRecord(rec *ledger.Record) *published {
	m.mounts.learn(rec)
	if rec.Type == auditRequestType {
		m.noteRequest(rec)
		return nil
	}
	fn, ok := families[rec.Type]
	if !ok {
		return nil
	}
	d, ok := fn(m, rec)
	if !ok {
		return nil
	}
	cur := Cursor{Seq: rec.Seq, Pos: rec.Pos}
	if d.meta == nil {
		d.meta = map[string]string{}
	}
	d.meta["path"], d.meta["data_path"] = d.path, d.dataPath
	d.meta["operation"] = d.typ[strings.LastIndexByte(d.typ, '/')+1:]
	ev := &Event{
		ID: rec.ID, Source: m.source, SpecVersion: "1.0", Type: d.typ,
		DataContentType: "application/json", Time: rec.At,
		Data: EventData{
			Event:     EventBody{ID: rec.ID, Metadata: d.meta},
			EventType: d.typ,
			PluginInfo: PluginInfo{
				MountClass: mountClass(d.mount), MountAccessor: d.mount.accessor,
				MountPath: d.mount.path, Plugin: plugin(d.mount),
			},
			LedgerIndex: rec.Seq, Cursor: cur.String(), Actor: rec.Actor,
		},
	}
	p := &published{cursor: cur, typ: d.typ, path: d.path, dataPath: d.dataPath, event: ev}
	if m.marshal {
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil // only strings, times and numbers: cannot fail
		}
		p.json = raw
	}
	return p
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

func mountClass(mi mountInfo) string {
	switch mi.typ {
	case "system":
		return ""
	case "token":
		return "auth"
	}
	if strings.HasPrefix(mi.path, "auth/") {
		return "auth"
	}
	return "secret"
}

func plugin(mi mountInfo) string {
	if mi.typ == "kv-v2" {
		return "kv"
	}
	return mi.typ
}

// decode unmarshals a payload into a narrow struct (only the fields an
// event may show, so secret-bearing fields are never even copied).
func decode(rec *ledger.Record, v any) bool { return json.Unmarshal(rec.Data, v) == nil }

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
