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
		Fields: map[string]*framework.FieldSchema{
			"max_versions":         {Type: framework.TypeInt, Description: "The number of versions to keep for each key. Defaults to 10."},
			"cas_required":         {Type: framework.TypeBool, Description: "If true, the backend will require the cas parameter to be set for each write."},
			"delete_version_after": {Type: framework.TypeSignedDurationSecond, Description: "If set, the length of time before a version is deleted. A negative duration disables the use of delete_version_after on all keys. A zero duration clears the current setting."},
		},
		Synopsis: "Configures settings for the KV store.",
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
	if v, ok := req.BoolOk("cas_required"); ok {
		cmd.CASRequired = &v
	}
	if v, ok := req.DurationOk("delete_version_after"); ok {
		cmd.DeleteVersionAfter = &v
	}
	return nil, b.runner.WriteConfig(req.Context(), req.MountAccessor, cmd)
}
