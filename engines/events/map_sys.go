package events

import (
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/commands/auditdevice"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// Coffer's own event types for the system: policies, tokens, mounts and
// audit devices. Token events name tokens by accessor only; their data
// path is auth/token/accessors/<accessor>, the path state-at accepts.
func init() {
	register(mapPolicy, policystore.EventWritten, policystore.EventDeleted)
	register(mapToken, tokenstore.EventCreated, tokenstore.EventRevoked)
	register(mapMount, mountstore.EventEnabled, mountstore.EventTuned, mountstore.EventDisabled)
	register(mapAuditDevice, auditdevice.EventEnabled, auditdevice.EventDisabled)
}

func mapPolicy(_ *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Name string `json:"name"`
	}
	if !decode(rec, &e) {
		return draft{}, false
	}
	typ := "policy/written"
	if rec.Type == policystore.EventDeleted {
		typ = "policy/deleted"
	}
	p := "sys/policies/acl/" + e.Name
	return draft{typ: typ, path: p, dataPath: p, mount: sysMount, meta: map[string]string{"name": e.Name}}, true
}

func mapToken(_ *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Accessor    string   `json:"accessor"`
		Policies    []string `json:"policies"`
		DisplayName string   `json:"display_name"`
		Path        string   `json:"path"`
		Type        string   `json:"type"`
		TTL         int64    `json:"ttl"`
		Reason      string   `json:"reason"`
		Parent      string   `json:"parent"`
	}
	if !decode(rec, &e) || e.Accessor == "" {
		return draft{}, false
	}
	d := draft{mount: tokenMount, dataPath: "auth/token/accessors/" + e.Accessor, meta: map[string]string{"accessor": e.Accessor}}
	if rec.Type == tokenstore.EventCreated {
		d.typ, d.path = "token/created", e.Path
		if d.path == "" {
			d.path = "auth/token/create"
		}
		d.meta["policies"] = strings.Join(e.Policies, ",")
		d.meta["display_name"] = e.DisplayName
		d.meta["token_type"] = e.Type
		d.meta["ttl"] = strconv.FormatInt(e.TTL, 10)
		d.meta["orphan"] = strconv.FormatBool(e.Parent == "")
		return d, true
	}
	d.typ, d.path = "token/revoked", "auth/token/revoke-accessor"
	d.meta["reason"] = e.Reason
	return d, true
}

func mapMount(_ *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Path     string `json:"path"`
		Type     string `json:"type"`
		Accessor string `json:"accessor"`
	}
	if !decode(rec, &e) {
		return draft{}, false
	}
	name := strings.TrimSuffix(e.Path, "/")
	p := "sys/mounts/" + name
	if rest, ok := strings.CutPrefix(name, "auth/"); ok {
		p = "sys/auth/" + rest
	}
	d := draft{path: p, dataPath: p, mount: sysMount, meta: map[string]string{"mount_path": e.Path}}
	switch rec.Type {
	case mountstore.EventEnabled:
		d.typ = "mount/enabled"
		d.meta["mount_type"], d.meta["mount_accessor"] = e.Type, e.Accessor
	case mountstore.EventTuned:
		d.typ, d.path = "mount/tuned", p+"/tune"
	case mountstore.EventDisabled:
		d.typ = "mount/disabled"
		d.meta["mount_accessor"] = e.Accessor
	}
	return d, true
}

func mapAuditDevice(_ *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Path string `json:"path"`
		Type string `json:"type"`
	}
	if !decode(rec, &e) {
		return draft{}, false
	}
	p := "sys/audit/" + strings.TrimSuffix(e.Path, "/")
	d := draft{typ: "audit/device-enabled", path: p, dataPath: p, mount: sysMount, meta: map[string]string{"device_path": e.Path}}
	if rec.Type == auditdevice.EventDisabled {
		d.typ = "audit/device-disabled"
	} else {
		d.meta["device_type"] = e.Type
	}
	return d, true
}
