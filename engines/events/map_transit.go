package events

import (
	"strconv"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// Transit key lifecycle events. Key material travels sealed in the ledger
// payloads; the narrow payload below never reads it. The data path is the
// key's path (mount/keys/<name>).
func init() {
	register(mapTransit, transitstore.EventKeyCreated, transitstore.EventKeyRotated,
		transitstore.EventKeyConfigChanged, transitstore.EventKeyTrimmed, transitstore.EventKeyDeleted)
}

func mapTransit(m *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Mount string `json:"mount"`
		Name  string `json:"name"`
		Type  string `json:"type"`
		First struct {
			Version int `json:"version"`
		} `json:"first"`
		Next struct {
			Version int `json:"version"`
		} `json:"next"`
		Auto       bool `json:"auto"`
		MinVersion int  `json:"min_available_version"`
	}
	if !decode(rec, &e) {
		return draft{}, false
	}
	mi, ok := m.mounts.byAccessorOf(e.Mount)
	if !ok {
		mi = mountInfo{accessor: e.Mount, typ: "transit"}
	}
	key := mi.path + "keys/" + e.Name
	d := draft{path: key, dataPath: key, mount: mi, meta: map[string]string{"name": e.Name}}
	switch rec.Type {
	case transitstore.EventKeyCreated:
		d.typ = "transit/key-created"
		d.meta["key_type"] = e.Type
		d.meta["latest_version"] = strconv.Itoa(e.First.Version)
	case transitstore.EventKeyRotated:
		d.typ, d.path = "transit/key-rotated", key+"/rotate"
		d.meta["latest_version"] = strconv.Itoa(e.Next.Version)
		d.meta["auto"] = strconv.FormatBool(e.Auto)
	case transitstore.EventKeyConfigChanged:
		d.typ, d.path = "transit/key-config-write", key+"/config"
	case transitstore.EventKeyTrimmed:
		d.typ, d.path = "transit/key-trimmed", key+"/trim"
		d.meta["min_available_version"] = strconv.Itoa(e.MinVersion)
	case transitstore.EventKeyDeleted:
		d.typ = "transit/key-deleted"
	}
	return d, true
}
