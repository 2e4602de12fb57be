package sys

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/policystore"
)

// policyEvents publishes policy writes and deletes (name only, never the
// text).
var policyEvents = framework.EventMap{
	Types: []string{policyevent.EventWritten, policyevent.EventDeleted},
	Map: func(_ framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
		var e struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(rec.Data, &e) != nil {
			return framework.PublicEvent{}, false
		}
		typ := "policy/written"
		if rec.Type == policyevent.EventDeleted {
			typ = "policy/deleted"
		}
		p := "sys/policies/acl/" + e.Name
		return framework.PublicEvent{Type: typ, Path: p, DataPath: p, Mount: framework.SysMountRef, Metadata: map[string]string{"name": e.Name}}, true
	},
}

// mountEvents publishes enabling, tuning and disabling secrets engines
// (sys/mounts/<path>) and auth methods (sys/auth/<path>).
var mountEvents = framework.EventMap{
	Types: []string{mountevent.EventEnabled, mountevent.EventTuned, mountevent.EventDisabled},
	Map: func(_ framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
		var e struct {
			Path     string `json:"path"`
			Type     string `json:"type"`
			Accessor string `json:"accessor"`
		}
		if json.Unmarshal(rec.Data, &e) != nil {
			return framework.PublicEvent{}, false
		}
		name := strings.TrimSuffix(e.Path, "/")
		p := "sys/mounts/" + name
		if rest, ok := strings.CutPrefix(name, "auth/"); ok {
			p = "sys/auth/" + rest
		}
		d := framework.PublicEvent{Path: p, DataPath: p, Mount: framework.SysMountRef, Metadata: map[string]string{"mount_path": e.Path}}
		switch rec.Type {
		case mountevent.EventEnabled:
			d.Type = "mount/enabled"
			d.Metadata["mount_type"], d.Metadata["mount_accessor"] = e.Type, e.Accessor
		case mountevent.EventTuned:
			d.Type, d.Path = "mount/tuned", p+"/tune"
		case mountevent.EventDisabled:
			d.Type = "mount/disabled"
			d.Metadata["mount_accessor"] = e.Accessor
		}
		return d, true
	},
}

// policyState shows a policy's text at a past ledger index, for
// sys/policies/acl/<name> (or sys/policy/<name>).
var policyState = framework.StateQuery{Describe: func(sv *framework.StateView, path string) (map[string]any, bool, error) {
	var name string
	for _, prefix := range []string{"sys/policies/acl/", "sys/policy/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok && rest != "" {
			name = rest
		}
	}
	if name == "" {
		return nil, false, nil
	}
	p, err := policystore.Get(sv.Store, acl.NormalizeName(name))
	if errors.Is(err, policystore.ErrNotFound) {
		return nil, true, framework.ErrNotFound
	}
	if err != nil {
		return nil, true, err
	}
	return map[string]any{"kind": "policy", "name": p.Name, "policy": p.Text}, true, nil
}}
