package events

import (
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// KV v2 events carry Vault's names. Every one has the secret's data path
// as data_path (what subscribers' ACLs are checked against) and the path
// of the endpoint family as path, as Vault's KV plugin reports them.
func init() {
	register(mapKV, kvstore.EventVersionWritten, kvstore.EventVersionsDeleted, kvstore.EventVersionsUndeleted,
		kvstore.EventVersionDestroyed, kvstore.EventMetadataWritten, kvstore.EventMetadataDeleted, kvstore.EventConfigWritten)
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
	Versions      []struct {
		Version uint64 `json:"version"`
	} `json:"versions"`
}

func mapKV(m *mapper, rec *ledger.Record) (draft, bool) {
	var e kvPayload
	if !decode(rec, &e) {
		return draft{}, false
	}
	mi, ok := m.mounts.byAccessorOf(e.Mount)
	if !ok {
		mi = mountInfo{accessor: e.Mount, typ: "kv"}
	}
	d := draft{mount: mi, dataPath: mi.path + "data/" + e.Path, meta: map[string]string{}}
	at := func(typ, family string) { d.typ, d.path = "kv-v2/"+typ, mi.path+family+e.Path }
	switch rec.Type {
	case kvstore.EventVersionWritten:
		if e.Patched {
			at("data-patch", "data/")
		} else {
			at("data-write", "data/")
		}
		d.meta["current_version"] = strconv.FormatUint(e.Version, 10)
		d.meta["oldest_version"] = strconv.FormatUint(e.OldestVersion, 10)
		d.meta["modified"] = "true"
	case kvstore.EventVersionsDeleted:
		if m.dataDeletes.has(rec.RequestID) {
			at("data-delete", "data/")
		} else {
			at("delete", "delete/")
		}
		d.meta["deleted_versions"] = versionList(e.Versions)
		d.meta["modified"] = "true"
	case kvstore.EventVersionsUndeleted:
		at("undelete", "undelete/")
		d.meta["undeleted_versions"] = versionList(e.Versions)
		d.meta["modified"] = "true"
	case kvstore.EventVersionDestroyed:
		if e.Pruned {
			return draft{}, false // max_versions housekeeping, not a request
		}
		at("destroy", "destroy/")
		d.meta["destroyed_versions"] = strconv.FormatUint(e.Version, 10)
		d.meta["modified"] = "true"
	case kvstore.EventMetadataWritten:
		at("metadata-write", "metadata/")
		d.meta["modified"] = "true"
	case kvstore.EventMetadataDeleted:
		at("metadata-delete", "metadata/")
		d.meta["modified"] = "true"
	case kvstore.EventConfigWritten:
		d.typ, d.path, d.dataPath = "kv-v2/config-write", mi.path+"config", mi.path+"config"
		d.meta["modified"] = "true"
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
