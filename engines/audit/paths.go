package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/auditdevice"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/apierror"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/auditstore"
)

// ErrAPIDisabled refuses sys/audit/:path when the server config does not
// set unsafe_allow_api_audit_creation (Vault 1.20.1's default).
var ErrAPIDisabled = apierror.NewFixed(1304, http.StatusBadRequest, "audit",
	"enabling or disabling audit devices through the API is off: declare them in the server config (audit stanzas) or set unsafe_allow_api_audit_creation = true")

// sysPaths is the sys/audit family, merged into the sys/ mount. Every
// path needs sudo, as in Vault.
func (s *Sinks) sysPaths() *framework.Backend {
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: `audit`, Fields: map[string]*framework.FieldSchema{}, Sudo: true, Synopsis: "List the enabled audit devices.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: s.handleList}},
		{Pattern: `audit/(?P<path>.+)`, Sudo: true, Synopsis: "Enable or disable audit devices.", Fields: map[string]*framework.FieldSchema{
			"path":        {Type: framework.TypeString, Description: "The name of the device."},
			"type":        {Type: framework.TypeString, Description: "The type of the device (\"file\")."},
			"description": {Type: framework.TypeString, Description: "User-friendly description for this device."},
			"options":     {Type: framework.TypeKVPairs, Description: "Configuration options of the device (file_path, mode, format)."},
			"local":       {Type: framework.TypeBool, Description: "Mark the device as a local device."},
		}, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: s.handleEnable,
			framework.DeleteOperation: s.handleDisable,
		}},
	}}
}

func deviceData(d auditevent.Device) map[string]any {
	opts := map[string]any{}
	for k, v := range d.Options {
		opts[k] = v
	}
	return map[string]any{"type": d.Type, "description": d.Description, "options": opts, "path": d.Path, "local": d.Local}
}

func (s *Sinks) handleList(*framework.Request) (*framework.Response, error) {
	devs, err := s.devices()
	if err != nil {
		return nil, err
	}
	data := map[string]any{}
	for _, d := range devs {
		data[d.Path] = deviceData(d)
	}
	return &framework.Response{Data: data}, nil
}

// apiAllowed refuses an API change of the device table unless the server
// config allows it, and any change of a device the config declares.
func (s *Sinks) apiAllowed(path string) error {
	if !s.cfg.AllowAPI {
		return ErrAPIDisabled
	}
	if _, ok := s.declared(path); ok {
		return fmt.Errorf("%w: %s is declared in the server config", auditdevice.ErrExists, path)
	}
	return nil
}

func (s *Sinks) handleEnable(req *framework.Request) (*framework.Response, error) {
	path := auditdevice.NormalizePath(req.Vars["path"])
	if err := s.apiAllowed(path); err != nil {
		return nil, err
	}
	opts := req.StringMap("options")
	if len(opts) == 0 {
		opts = nil
	}
	if fp := opts["file_path"]; fp != "" {
		if err := checkPlainFile(fp); err != nil {
			return nil, fmt.Errorf("%w: %v", auditdevice.ErrInvalid, err)
		}
	}
	d := auditevent.Device{Path: path, Type: req.String("type"), Description: req.String("description"), Options: opts, Local: req.Bool("local"), EnabledAt: time.Now().UTC()}
	err := s.run(req.Context(), path, func(cur *auditevent.Device) ([]ledger.Event, error) { return auditdevice.DecideEnable(cur, d) })
	return nil, err
}

func (s *Sinks) handleDisable(req *framework.Request) (*framework.Response, error) {
	path := auditdevice.NormalizePath(req.Vars["path"])
	if err := s.apiAllowed(path); err != nil {
		return nil, err
	}
	err := s.run(req.Context(), path, func(cur *auditevent.Device) ([]ledger.Event, error) { return auditdevice.DecideDisable(cur) })
	if errors.Is(err, auditevent.ErrNotFound) {
		return nil, nil // Vault answers 204 for an absent device too
	}
	return nil, err
}

func (s *Sinks) run(ctx context.Context, path string, decide func(*auditevent.Device) ([]ledger.Event, error)) error {
	_, err := s.deps.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		cur, err := auditstore.Get(s.deps.Store, path)
		if err != nil && !errors.Is(err, auditevent.ErrNotFound) {
			return nil, err
		}
		events, err := decide(cur)
		if err != nil {
			return nil, err
		}
		v, err := s.deps.Bus.Version(auditevent.Kind, path)
		if err != nil {
			return nil, err
		}
		return commands.Sequence(auditevent.Kind, path, v, events...), nil
	})
	return err
}
