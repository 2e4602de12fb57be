package transit

import (
	"errors"

	"github.com/cofferhq/coffer/commands"
	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
)

func (b *Backend) keyActionPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "keys/" + nameRegex + "/config",
			Fields:     fieldsOf("name", "min_decryption_version", "min_encryption_version", "deletion_allowed", "exportable", "allow_plaintext_backup", "auto_rotate_period"),
			Synopsis:   "Configure a named encryption key",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleConfigKey},
		},
		{
			Pattern:    "keys/" + nameRegex + "/rotate",
			Fields:     fieldsOf("name"),
			Synopsis:   "Rotate named encryption key",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleRotateKey},
		},
		{
			Pattern:    "keys/" + nameRegex + "/trim",
			Fields:     fieldsOf("name", "min_available_version"),
			Synopsis:   "Trim key versions of a named key",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleTrimKey},
		},
	}
}

func configChange(req *framework.Request) (cmdtransit.ConfigChange, error) {
	var c cmdtransit.ConfigChange
	for key, dst := range map[string]**int{
		"min_decryption_version": &c.MinDecryptionVersion,
		"min_encryption_version": &c.MinEncryptionVersion,
	} {
		v, ok := req.IntOk(key)
		if ok {
			*dst = &v
		}
	}
	for key, dst := range map[string]**bool{
		"deletion_allowed":       &c.DeletionAllowed,
		"exportable":             &c.Exportable,
		"allow_plaintext_backup": &c.AllowPlaintextBackup,
	} {
		v, ok := req.BoolOk(key)
		if ok {
			*dst = &v
		}
	}
	d, ok := req.DurationOk("auto_rotate_period")
	if ok {
		c.AutoRotatePeriod = &d
	}
	return c, nil
}

func (b *Backend) handleConfigKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	c, err := configChange(req)
	if err != nil {
		return nil, err
	}
	warnings, err := b.runner.Configure(req.Context(), name, c)
	return b.keyChanged(req, name, err, warnings)
}

func (b *Backend) handleRotateKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	_, err := b.runner.Rotate(req.Context(), name, false)
	b.cache.invalidate(name)
	switch {
	case errors.Is(err, cmdtransit.ErrNotFound):
		return nil, framework.BadRequest("key not found")
	case err != nil:
		return nil, err
	}
	return b.keyResponse(req, name, nil)
}

func (b *Backend) handleTrimKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	minAvailable, ok := req.IntOk("min_available_version")
	if !ok {
		return nil, framework.BadRequest("missing min_available_version")
	}
	err := b.runner.Trim(req.Context(), name, minAvailable)
	return b.keyChanged(req, name, err, nil)
}

// keyChanged answers a command that changed key name (err is the
// command's) with the key as it now stands plus the command's warnings.
// The cached key goes first, whatever the outcome: a command that failed
// late may still have changed the key.
func (b *Backend) keyChanged(req *framework.Request, name string, err error, warnings []string) (*framework.Response, error) {
	b.cache.invalidate(name)
	if err != nil {
		return nil, err
	}
	resp, err := b.keyResponse(req, name, nil)
	if err != nil {
		return nil, err
	}
	resp.Warnings = append(resp.Warnings, warnings...)
	return resp, nil
}

// systemContext is the context of commands the engine runs on its own.
func systemContext() commands.Meta {
	return commands.Meta{Actor: "system", RequestID: "transit-auto-rotate"}
}
