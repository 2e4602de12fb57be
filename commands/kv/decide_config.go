package kv

import (
	"time"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// ConfigWrite changes a mount's engine config; nil fields keep their
// value. A negative DeleteVersionAfter disables delete_version_after for
// the mount, zero clears it.
type ConfigWrite struct {
	MaxVersions        *uint32
	CASRequired        *bool
	DeleteVersionAfter *time.Duration
}

// DecideConfigWrite decides a config write against the config as of the
// config aggregate's version.
func DecideConfigWrite(cfg kvevent.Config, version uint64, mount string, cmd ConfigWrite) []ledger.Event {
	if cmd.MaxVersions == nil && cmd.CASRequired == nil && cmd.DeleteVersionAfter == nil {
		return nil
	}
	if cmd.MaxVersions != nil {
		cfg.MaxVersions = *cmd.MaxVersions
	}
	if cmd.CASRequired != nil {
		cfg.CASRequired = *cmd.CASRequired
	}
	if d := cmd.DeleteVersionAfter; d != nil {
		cfg.DeleteVersionAfter = *d
		if *d < 0 {
			cfg.DeleteVersionAfter = kvevent.DeleteVersionAfterDisabled
		}
	}
	return stamp(kvevent.ConfigAggregateID(mount), version, []ledger.Event{
		newEvent(kvevent.EventConfigWritten, kvevent.ConfigWritten{Mount: mount, Config: cfg}),
	})
}
