package transit

import (
	"encoding/json"
	"strconv"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// Transit key lifecycle events. Key material travels sealed in the ledger
// payloads; the narrow payload below never reads it. The data path is the
// key's path (mount/keys/<name>).
var eventMap = framework.EventMap{
	Types: []string{transitevent.EventKeyCreated, transitevent.EventKeyRotated,
		transitevent.EventKeyConfigChanged, transitevent.EventKeyTrimmed, transitevent.EventKeyDeleted},
	Map: mapEvent,
}

func mapEvent(ec framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
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
	if json.Unmarshal(rec.Data, &e) != nil {
		return framework.PublicEvent{}, false
	}
	mi, ok := ec.MountByAccessor(e.Mount)
	if !ok {
		mi = framework.MountRef{Accessor: e.Mount, Type: "transit"}
	}
	key := mi.Path + "keys/" + e.Name
	d := framework.PublicEvent{Path: key, DataPath: key, Mount: mi, Metadata: map[string]string{"name": e.Name}}
	switch rec.Type {
	case transitevent.EventKeyCreated:
		d.Type = "transit/key-created"
		d.Metadata["key_type"] = e.Type
		d.Metadata["latest_version"] = strconv.Itoa(e.First.Version)
	case transitevent.EventKeyRotated:
		d.Type, d.Path = "transit/key-rotated", key+"/rotate"
		d.Metadata["latest_version"] = strconv.Itoa(e.Next.Version)
		d.Metadata["auto"] = strconv.FormatBool(e.Auto)
	case transitevent.EventKeyConfigChanged:
		d.Type, d.Path = "transit/key-config-write", key+"/config"
	case transitevent.EventKeyTrimmed:
		d.Type, d.Path = "transit/key-trimmed", key+"/trim"
		d.Metadata["min_available_version"] = strconv.Itoa(e.MinVersion)
	case transitevent.EventKeyDeleted:
		d.Type = "transit/key-deleted"
	}
	return d, true
}
