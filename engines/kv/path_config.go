package kv

import (
	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/engines/framework"
)

// configPath is config: the mount-wide max_versions, cas_required and
// delete_version_after.
func (b *backend) configPath() *framework.Path {
	return &framework.Path{
		Pattern: `config`,
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.readConfig,
			framework.CreateOperation: b.writeConfig,
			framework.UpdateOperation: b.writeConfig,
		},
	}
}

func (b *backend) readConfig(req *framework.Request) (*framework.Response, error) {
	cfg, err := b.reader.Config(req.MountAccessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{
		"max_versions":         cfg.MaxVersions,
		"cas_required":         cfg.CASRequired,
		"delete_version_after": cfg.DeleteVersionAfter.String(),
	}}, nil
}

func (b *backend) writeConfig(req *framework.Request) (*framework.Response, error) {
	var cmd kvcmd.ConfigWrite
	var err error
	if cmd.MaxVersions, err = uint32Field(req, "max_versions"); err != nil {
		return nil, err
	}
	if cmd.CASRequired, err = boolField(req, "cas_required"); err != nil {
		return nil, err
	}
	if cmd.DeleteVersionAfter, err = signedDurationField(req, "delete_version_after"); err != nil {
		return nil, err
	}
	if err := b.runner.WriteConfig(req.Context(), req.MountAccessor, cmd); err != nil {
		return nil, toFrameworkError(err)
	}
	return nil, nil
}
