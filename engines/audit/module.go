package audit

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/auditstore"
)

// Module is the sys/audit service: the audit device table and one sink
// per device, each tailing the ledger into its file (cursor files live in
// <data dir>/audit-cursors).
var Module = framework.Module{
	Type:        "audit",
	Kind:        framework.SysService,
	Description: "audit devices: sinks that copy the ledger's audit records out as Vault's JSON lines",
	ReadModels: []framework.ReadModel{{
		Name: "auditstore", Prefixes: []string{"audev/"}, Register: auditstore.Register,
	}},
	Events: []framework.EventMap{eventMap},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		s := NewSinks(env.Deps, filepath.Join(env.DataDir, "audit-cursors"))
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
