package kv

import (
	"context"

	"github.com/cofferhq/coffer/engines/framework"
)

// deletePath is delete/<path>: soft-delete the given versions.
func (b *backend) deletePath() *framework.Path {
	return b.versionsPath("delete", "No version number provided", "Marks one or more versions as deleted in the KV store.", b.runner.DeleteVersions)
}

// undeletePath is undelete/<path>: restore soft-deleted versions.
func (b *backend) undeletePath() *framework.Path {
	return b.versionsPath("undelete", "No version number provided", "Undeletes one or more versions from the KV store.", b.runner.Undelete)
}

// destroyPath is destroy/<path>: erase versions for good.
func (b *backend) destroyPath() *framework.Path {
	return b.versionsPath("destroy", "no version number provided", "Permanently removes one or more versions in the KV store", b.runner.Destroy)
}

// versionsPath builds one of the three "POST {versions: [...]}" paths;
// noVersions is Vault's message (its capitalisation differs by path).
func (b *backend) versionsPath(prefix, noVersions, synopsis string, run func(ctx context.Context, mount, path string, versions []uint64) error) *framework.Path {
	handle := func(req *framework.Request) (*framework.Response, error) {
		versions := versionsField(req)
		if len(versions) == 0 {
			return nil, framework.BadRequest("%s", noVersions)
		}
		return nil, run(req.Context(), req.MountAccessor, req.Vars["path"], versions)
	}
	return &framework.Path{
		Pattern: prefix + `/(?P<path>.*)`,
		Fields: map[string]*framework.FieldSchema{
			"path":     pathField,
			"versions": {Type: framework.TypeCommaIntSlice, Description: "The versions to " + prefix + "."},
		},
		Synopsis: synopsis,
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.CreateOperation: handle,
			framework.UpdateOperation: handle,
		},
	}
}
