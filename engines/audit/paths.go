package audit

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/auditdevice"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/auditstore"
)

// RootPaths need sudo, as in Vault.
func RootPaths() []string { return []string{"sys/audit", "sys/audit/*"} }

// SysPaths is the sys/audit family, merged into the sys/ mount.
func (s *Sinks) SysPaths() framework.Backend {
	return framework.Paths{
		{Pattern: `audit`, Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: s.handleList}},
		{Pattern: `audit/(?P<path>.+)`, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: s.handleEnable,
			framework.DeleteOperation: s.handleDisable,
		}},
	}
}

func deviceData(d auditdevice.Device) map[string]any {
	opts := map[string]any{}
	for k, v := range d.Options {
		opts[k] = v
	}
	return map[string]any{"type": d.Type, "description": d.Description, "options": opts, "path": d.Path, "local": d.Local}
}

func (s *Sinks) handleList(*framework.Request) (*framework.Response, error) {
	devs, err := auditstore.List(s.deps.Store)
	if err != nil {
		return nil, err
	}
	data := map[string]any{}
	for _, d := range devs {
		data[d.Path] = deviceData(d)
	}
	return &framework.Response{Data: data}, nil
}

func (s *Sinks) handleEnable(req *framework.Request) (*framework.Response, error) {
	path := auditdevice.NormalizePath(req.Vars["path"])
	typ, _, err := req.String("type")
	if err != nil {
		return nil, err
	}
	desc, _, err := req.String("description")
	if err != nil {
		return nil, err
	}
	opts, _, err := req.StringMap("options")
	if err != nil {
		return nil, err
	}
	local, _, err := req.Bool("local")
	if err != nil {
		return nil, err
	}
	d := auditdevice.Device{Path: path, Type: typ, Description: desc, Options: opts, Local: local, EnabledAt: time.Now().UTC()}
	err = s.run(req.Context(), path, func(cur *auditdevice.Device) ([]ledger.Event, error) { return auditdevice.DecideEnable(cur, d) })
	return nil, deviceError(err)
}

func (s *Sinks) handleDisable(req *framework.Request) (*framework.Response, error) {
	path := auditdevice.NormalizePath(req.Vars["path"])
	err := s.run(req.Context(), path, func(cur *auditdevice.Device) ([]ledger.Event, error) { return auditdevice.DecideDisable(cur) })
	if errors.Is(err, auditdevice.ErrNotFound) {
		return nil, nil // Vault answers 204 for an absent device too
	}
	return nil, deviceError(err)
}

func (s *Sinks) run(ctx context.Context, path string, decide func(*auditdevice.Device) ([]ledger.Event, error)) error {
	_, err := s.deps.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		cur, err := auditstore.Get(s.deps.Store, path)
		if err != nil && !errors.Is(err, auditdevice.ErrNotFound) {
			return nil, err
		}
		events, err := decide(cur)
		if err != nil {
			return nil, err
		}
		v, err := s.deps.Bus.Version(auditdevice.Kind, path)
		if err != nil {
			return nil, err
		}
		return commands.Sequence(auditdevice.Kind, path, v, events...), nil
	})
	return err
}

func deviceError(err error) error {
	if errors.Is(err, auditdevice.ErrInvalid) || errors.Is(err, auditdevice.ErrExists) {
		return framework.BadRequest("%v", err)
	}
	return err
}
