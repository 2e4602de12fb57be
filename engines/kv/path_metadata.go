package kv

import (
	"strconv"
	"strings"
	"time"

	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// metadataPath is metadata/<path>: a secret's versions and settings, and
// LIST of the secrets under a prefix. "metadata" without a slash is the
// root folder (the CLI lists it that way).
func (b *backend) metadataPath() *framework.Path {
	return &framework.Path{
		Pattern:  `metadata(?:/(?P<path>.*))?`,
		Fields:   withPath(settingsFields),
		Synopsis: "Configures settings for the KV store.",
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.readMetadata,
			framework.CreateOperation: b.writeMetadata,
			framework.UpdateOperation: b.writeMetadata,
			framework.PatchOperation:  b.patchMetadata,
			framework.DeleteOperation: b.deleteMetadata,
			framework.ListOperation:   b.listMetadata,
		},
		ExistenceCheck: b.secretExists,
	}
}

func (b *backend) readMetadata(req *framework.Request) (*framework.Response, error) {
	meta, err := b.reader.Metadata(req.MountAccessor, req.Vars["path"])
	if err != nil {
		return nil, err
	}
	versions := make(map[string]any, len(meta.Versions))
	for n, vm := range meta.Versions {
		versions[strconv.FormatUint(n, 10)] = map[string]any{
			"created_time":  vaultTime(vm.CreatedTime),
			"deletion_time": vaultTime(vm.DeletionTime),
			"destroyed":     vm.Destroyed,
		}
	}
	return &framework.Response{Data: map[string]any{
		"versions":             versions,
		"current_version":      meta.CurrentVersion,
		"oldest_version":       meta.OldestVersion,
		"created_time":         vaultTime(meta.CreatedTime),
		"updated_time":         vaultTime(meta.UpdatedTime),
		"max_versions":         meta.MaxVersions,
		"cas_required":         meta.CASRequired,
		"delete_version_after": meta.DeleteVersionAfter.String(),
		"custom_metadata":      customMetadata(meta.CustomMetadata),
	}}, nil
}

func (b *backend) writeMetadata(req *framework.Request) (*framework.Response, error) {
	var cmd kvcmd.MetadataWrite
	var err error
	if cmd.MaxVersions, err = uint32Field(req, "max_versions"); err != nil {
		return nil, err
	}
	cmd.CASRequired, cmd.DeleteVersionAfter = optBool(req, "cas_required"), optDuration(req, "delete_version_after")
	custom, present, cleared, err := customMetadataField(req, false)
	if err != nil {
		return nil, err
	}
	// A null custom_metadata is "not given", as for Vault's typed fields.
	if present && !cleared {
		cmd.SetCustomMetadata = true
		cmd.CustomMetadata = make(map[string]string, len(custom))
		for k, v := range custom {
			cmd.CustomMetadata[k] = *v
		}
	}
	warnings, err := b.runner.WriteMetadata(req.Context(), req.MountAccessor, req.Vars["path"], cmd)
	if err != nil {
		return nil, err
	}
	return warningsResponse(warnings), nil
}

// patchMetadata applies a JSON merge patch to the settings: a null resets
// a setting to its zero value, a null custom_metadata key removes it.
func (b *backend) patchMetadata(req *framework.Request) (*framework.Response, error) {
	if err := requireMergePatch(req); err != nil {
		return nil, err
	}
	var cmd kvcmd.MetadataPatch
	var err error
	if cmd.MaxVersions, err = uint32Field(req, "max_versions"); err != nil {
		return nil, err
	}
	cmd.CASRequired, cmd.DeleteVersionAfter = optBool(req, "cas_required"), optDuration(req, "delete_version_after")
	resetNulls(req, &cmd)
	custom, _, cleared, err := customMetadataField(req, true)
	if err != nil {
		return nil, err
	}
	cmd.CustomMetadata, cmd.ClearCustomMetadata = custom, cleared
	warnings, err := b.runner.PatchMetadata(req.Context(), req.MountAccessor, req.Vars["path"], cmd)
	if err != nil {
		return nil, err
	}
	return warningsResponse(warnings), nil
}

// resetNulls turns settings given as null into their zero value (merge
// patch removes them, which for a setting means "unset").
func resetNulls(req *framework.Request, cmd *kvcmd.MetadataPatch) {
	isNull := func(k string) bool {
		v, ok := req.Data[k]
		return ok && v == nil
	}
	if isNull("max_versions") {
		cmd.MaxVersions = new(uint32)
	}
	if isNull("cas_required") {
		cmd.CASRequired = new(bool)
	}
	if isNull("delete_version_after") {
		cmd.DeleteVersionAfter = new(time.Duration)
	}
}

func (b *backend) deleteMetadata(req *framework.Request) (*framework.Response, error) {
	return nil, b.runner.DeleteMetadata(req.Context(), req.MountAccessor, req.Vars["path"])
}

// listMetadata answers LIST metadata/<prefix>/; an empty folder is 404 as
// in Vault.
func (b *backend) listMetadata(req *framework.Request) (*framework.Response, error) {
	return listFolder(b.reader, req)
}

// listFolder answers a LIST of the folder req.Vars["path"] names (v2's
// metadata/ and v1's paths alike).
func listFolder(reader kvstore.Reader, req *framework.Request) (*framework.Response, error) {
	prefix := req.Vars["path"]
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	keys, err := reader.List(req.MountAccessor, prefix)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": keys}}, nil
}

func warningsResponse(warnings []string) *framework.Response {
	if len(warnings) == 0 {
		return nil
	}
	return &framework.Response{Warnings: warnings}
}
