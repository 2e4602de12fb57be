package database

import (
	"encoding/json"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
)

// eventMap publishes a root credential rotation as Vault's
// database/rotate-root (connection name only, never a password). Issued
// credentials are lease events (database/creds-create), published by the
// lease module.
var eventMap = framework.EventMap{
	Types: []string{databaseevent.EventRootRotated},
	Map: func(ec framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
		var e struct {
			Mount string `json:"mount"`
			Name  string `json:"name"`
		}
		if json.Unmarshal(rec.Data, &e) != nil {
			return framework.PublicEvent{}, false
		}
		mi, ok := ec.MountByAccessor(e.Mount)
		if !ok {
			mi = framework.MountRef{Accessor: e.Mount, Type: EngineName}
		}
		p := mi.Path + "rotate-root/" + e.Name
		return framework.PublicEvent{Type: "database/rotate-root", Path: p, DataPath: p, Mount: mi, Metadata: map[string]string{"name": e.Name}}, true
	},
}
