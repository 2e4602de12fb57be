package kv

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// eventMap publishes KV v2 events with Vault's names. Every one has the
// secret's data path as data_path (what subscribers' ACLs are checked
// against) and the path of the endpoint family as path, as Vault's KV
// plugin reports them.
var eventMap = framework.EventMap{
	Types: []string{kvevent.EventVersionWritten, kvevent.EventVersionsDeleted, kvevent.EventVersionsUndeleted,
		kvevent.EventVersionDestroyed, kvevent.EventMetadataWritten, kvevent.EventMetadataDeleted, kvevent.EventConfigWritten},
	Map: mapEvent,
}

// kvPayload holds the fields of every kv payload an event may show; the
// ciphertext and data keys are deliberately absent.
type kvPayload struct {
	Mount         string `json:"mount"`
	Path          string `json:"path"`
	Version       uint64 `json:"version"`
	OldestVersion uint64 `json:"oldest_version"`
	Patched       bool   `json:"patched"`
	Pruned        bool   `json:"pruned"`
	Version1      bool   `json:"kv_v1"`
	Versions      []struct {
		Version uint64 `json:"version"`
	} `json:"versions"`
}

func mapEvent(ec framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
	var e kvPayload
	if json.Unmarshal(rec.Data, &e) != nil {
		return framework.PublicEvent{}, false
	}
	mi, ok := ec.MountByAccessor(e.Mount)
	if !ok {
		mi = framework.MountRef{Accessor: e.Mount, Type: "kv"}
	}
	d := framework.PublicEvent{Mount: mi, DataPath: mi.Path + "data/" + e.Path, Metadata: map[string]string{}}
	at := func(typ, family string) { d.Type, d.Path = "kv-v2/"+typ, mi.Path+family+e.Path }
	if e.Version1 {
		// A KV v1 secret is read at <mount><path>: Vault's kv-v1 names.
		d.Path, d.DataPath = mi.Path+e.Path, mi.Path+e.Path
		d.Metadata["modified"] = "true"
		switch rec.Type {
		case kvevent.EventVersionWritten:
			d.Type = "kv-v1/write"
		case kvevent.EventMetadataDeleted:
			d.Type = "kv-v1/delete"
		}
		return d, true
	}
	switch rec.Type {
	case kvevent.EventVersionWritten:
		if e.Patched {
			at("data-patch", "data/")
		} else {
			at("data-write", "data/")
		}
		d.Metadata["current_version"] = strconv.FormatUint(e.Version, 10)
		d.Metadata["oldest_version"] = strconv.FormatUint(e.OldestVersion, 10)
		d.Metadata["modified"] = "true"
	case kvevent.EventVersionsDeleted:
		if ec.WasHTTPDelete(rec.RequestID) {
			at("data-delete", "data/")
		} else {
			at("delete", "delete/")
		}
		d.Metadata["deleted_versions"] = versionList(e.Versions)
		d.Metadata["modified"] = "true"
	case kvevent.EventVersionsUndeleted:
		at("undelete", "undelete/")
		d.Metadata["undeleted_versions"] = versionList(e.Versions)
		d.Metadata["modified"] = "true"
	case kvevent.EventVersionDestroyed:
		if e.Pruned {
			return framework.PublicEvent{}, false // max_versions housekeeping, not a request
		}
		at("destroy", "destroy/")
		d.Metadata["destroyed_versions"] = strconv.FormatUint(e.Version, 10)
		d.Metadata["modified"] = "true"
	case kvevent.EventMetadataWritten:
		at("metadata-write", "metadata/")
		d.Metadata["modified"] = "true"
	case kvevent.EventMetadataDeleted:
		at("metadata-delete", "metadata/")
		d.Metadata["modified"] = "true"
	case kvevent.EventConfigWritten:
		d.Type, d.Path, d.DataPath = "kv-v2/config-write", mi.Path+"config", mi.Path+"config"
		d.Metadata["modified"] = "true"
	}
	return d, true
}

func versionList(vs []struct {
	Version uint64 `json:"version"`
}) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.FormatUint(v.Version, 10)
	}
	return strings.Join(parts, ",")
}
