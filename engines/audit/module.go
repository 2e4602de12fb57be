package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cofferhq/coffer/commands/auditdevice"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/auditstore"
)

// Config is what the server config says about audit devices (issue 10,
// item 12; Vault 1.20.1 after CVE-2025-6000, OpenBao's declared devices).
type Config struct {
	// Devices are declared by `audit "file" "name" { ... }` stanzas: they
	// run on every node from start, are listed by sys/audit and cannot be
	// changed or disabled through the API.
	Devices []auditevent.Device
	// AllowAPI lets sys/audit/:path enable and disable devices
	// (`unsafe_allow_api_audit_creation = true`, Vault's name); off, the
	// API refuses.
	AllowAPI bool
}

// Module is the sys/audit service with API enablement allowed and no
// declared devices (module tests); the node uses Configured.
var Module = Configured(Config{AllowAPI: true})

// Configured is the sys/audit service: the audit device table and one sink
// per device, each tailing the ledger into its file (cursor files live in
// <data dir>/audit-cursors).
func Configured(cfg Config) framework.Module {
	return framework.Module{
		Type:        "audit",
		Kind:        framework.SysService,
		Description: "audit devices: sinks that copy the ledger's audit records out as Vault's JSON lines",
		ReadModels: []framework.ReadModel{{
			Name: "auditstore", Prefixes: []string{"audev/"}, Register: auditstore.Register,
		}},
		Events: []framework.EventMap{eventMap},
		Start: func(env *framework.Env) (*framework.Instance, error) {
			s := NewSinks(env.Deps, filepath.Join(env.DataDir, "audit-cursors"))
			s.cfg = cfg
			s.cfg.Devices = nil
			for _, d := range cfg.Devices {
				d.Path = auditdevice.NormalizePath(d.Path)
				if _, err := auditdevice.DecideEnable(nil, d); err != nil {
					return nil, fmt.Errorf("audit: declared device %q: %w", d.Path, err)
				}
				if err := checkPlainFile(d.Options["file_path"]); err != nil {
					return nil, fmt.Errorf("audit: declared device %q: %w", d.Path, err)
				}
				s.cfg.Devices = append(s.cfg.Devices, d)
			}
			return &framework.Instance{
				Sys:       s.sysPaths(),
				Observers: []projections.Observer{s.Observer(env.Ctx)},
				Services: []framework.Service{{Name: "audit sinks", Run: func(ctx context.Context) error {
					if err := s.Sync(ctx); err != nil {
						return err
					}
					<-ctx.Done()
					s.Wait()
					return nil
				}}},
			}, nil
		},
	}
}

// eventMap publishes enabling and disabling audit devices.
var eventMap = framework.EventMap{
	Types: []string{auditevent.EventEnabled, auditevent.EventDisabled},
	Map: func(_ framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
		var e struct {
			Path string `json:"path"`
			Type string `json:"type"`
		}
		if json.Unmarshal(rec.Data, &e) != nil {
			return framework.PublicEvent{}, false
		}
		p := "sys/audit/" + strings.TrimSuffix(e.Path, "/")
		d := framework.PublicEvent{Type: "audit/device-enabled", Path: p, DataPath: p, Mount: framework.SysMountRef, Metadata: map[string]string{"device_path": e.Path}}
		if rec.Type == auditevent.EventDisabled {
			d.Type = "audit/device-disabled"
		} else {
			d.Metadata["device_type"] = e.Type
		}
		return d, true
	},
}
