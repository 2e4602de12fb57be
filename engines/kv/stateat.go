package kv

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// stateQuery shows a KV v2 secret's metadata at a past ledger index, as
// Vault's metadata read does, for <mount>/data/<path> or
// <mount>/metadata/<path>. Values are never read: their ciphertext sits in
// the scratch store too, but only the data keys open it, and destroyed
// ones are gone.
var stateQuery = framework.StateQuery{Describe: describe}

func describe(sv *framework.StateView, path string) (map[string]any, bool, error) {
	mounts, err := mountstore.List(sv.Store)
	if err != nil {
		return nil, true, err
	}
	var mount mountstore.Mount
	for _, m := range mounts {
		if strings.HasPrefix(path+"/", m.Path) && len(m.Path) > len(mount.Path) {
			mount = m
		}
	}
	if mount.Path == "" || (mount.Type != "kv" && mount.Type != "kv-v2") {
		return nil, false, nil
	}
	rest := strings.TrimPrefix(path, mount.Path)
	var secret string
	for _, family := range []string{"data/", "metadata/"} {
		if s, ok := strings.CutPrefix(rest, family); ok && s != "" {
			secret = s
		}
	}
	if secret == "" {
		return nil, true, framework.BadRequest("events: unsupported state-at path: a KV path is <mount>/data/<path> or <mount>/metadata/<path>")
	}
	reader := kvstore.Reader{Store: sv.Store, Ledger: sv.Ledger}
	meta, err := reader.Metadata(mount.Accessor, secret)
	if errors.Is(err, kvstore.ErrNotFound) {
		return nil, true, framework.ErrNotFound
	}
	if err != nil {
		return nil, true, err
	}
	versions := map[string]any{}
	for v, vm := range meta.Versions {
		deletion := ""
		if !vm.DeletionTime.IsZero() {
			deletion = vm.DeletionTime.UTC().Format(time.RFC3339Nano)
		}
		versions[strconv.FormatUint(v, 10)] = map[string]any{
			"created_time": vm.CreatedTime.UTC().Format(time.RFC3339Nano), "deletion_time": deletion,
			"destroyed": vm.Destroyed, "deleted": vm.Deleted(sv.At),
		}
	}
	custom := meta.CustomMetadata
	if custom == nil {
		custom = map[string]string{}
	}
	return map[string]any{
		"kind": "kv", "mount": mount.Path, "secret_path": secret,
		"current_version": meta.CurrentVersion, "oldest_version": meta.OldestVersion,
		"created_time": meta.CreatedTime.UTC().Format(time.RFC3339Nano),
		"updated_time": meta.UpdatedTime.UTC().Format(time.RFC3339Nano),
		"max_versions": meta.MaxVersions, "cas_required": meta.CASRequired,
		"delete_version_after": meta.DeleteVersionAfter.String(),
		"custom_metadata":      custom, "versions": versions,
	}, true, nil
}
