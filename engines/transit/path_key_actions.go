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
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleConfigKey},
		},
		{
			Pattern:    "keys/" + nameRegex + "/rotate",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleRotateKey},
		},
		{
			Pattern:    "keys/" + nameRegex + "/trim",
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
		v, ok, err := fieldInt(req, key)
		if err != nil {
			return c, err
		}
		if ok {
			*dst = &v
		}
	}
	for key, dst := range map[string]**bool{
		"deletion_allowed":       &c.DeletionAllowed,
		"exportable":             &c.Exportable,
		"allow_plaintext_backup": &c.AllowPlaintextBackup,
	} {
		v, ok, err := req.Bool(key)
		if err != nil {
			return c, err
		}
		if ok {
			*dst = &v
		}
	}
	d, ok, err := req.Duration("auto_rotate_period")
	if err != nil {
		return c, err
	}
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
		return nil, commandError(err)
	}
	return b.keyResponse(req, name, nil)
}

func (b *Backend) handleTrimKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	minAvailable, ok, err := fieldInt(req, "min_available_version")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, framework.BadRequest("missing min_available_version")
	}
	err = b.runner.Trim(req.Context(), name, minAvailable)
	return b.keyChanged(req, name, err, nil)
}

// keyChanged answers a command that changed key name (err is the
// command's) with the key as it now stands plus the command's warnings.
// The cached key goes first, whatever the outcome: a command that failed
// late may still have changed the key.
func (b *Backend) keyChanged(req *framework.Request, name string, err error, warnings []string) (*framework.Response, error) {
	b.cache.invalidate(name)
	if err != nil {
		return nil, commandError(err)
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
