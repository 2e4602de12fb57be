package mountevent

import (
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Event types and aggregate names of the mount table.
const (
	EventEnabled      = "mount.enabled"
	EventTuned        = "mount.tuned"
	EventDisabled     = "mount.disabled"
	EventTableRevised = "mount.table_revised"

	// Kind is the aggregate kind of one mount; its id is the mount path.
	Kind = "mount"
	// TableKind and TableID name the aggregate that orders every change
	// to the shape of the table (enable, disable).
	TableKind = "mount_table"
	TableID   = "mounts"

	// Schema is the payload layout version every mount event is written
	// with.
	Schema = 1
)

// Config is the lease configuration of a mount, in whole seconds as Vault
// reports it; 0 means "the system default".
type Config struct {
	DefaultLeaseTTL int64 `json:"default_lease_ttl"`
	MaxLeaseTTL     int64 `json:"max_lease_ttl"`
}

// Enabled is the payload of mount.enabled.
type Enabled struct {
	Path        string            `json:"path"`
	Type        string            `json:"type"`
	Accessor    string            `json:"accessor"`
	UUID        string            `json:"uuid"`
	Description string            `json:"description"`
	Config      Config            `json:"config"`
	Options     map[string]string `json:"options,omitempty"`
	Local       bool              `json:"local"`
	SealWrap    bool              `json:"seal_wrap"`
	CreatedAt   time.Time         `json:"created_at"`
}

// Tuned is the payload of mount.tuned: the complete tunable state after
// the tune, so applying it needs no knowledge of what changed.
type Tuned struct {
	Path        string            `json:"path"`
	Description string            `json:"description"`
	Config      Config            `json:"config"`
	Options     map[string]string `json:"options,omitempty"`
}

// Disabled is the payload of mount.disabled. The accessor names the
// engine storage that is now unreachable (cleanup is deferred).
type Disabled struct {
	Path     string `json:"path"`
	Accessor string `json:"accessor"`
}

// TableRevised is the payload of mount.table_revised.
type TableRevised struct {
	Path   string `json:"path"`
	Change string `json:"change"` // "enabled" or "disabled"
}

func init() {
	for typ, payload := range map[string]any{
		EventEnabled:      Enabled{},
		EventTuned:        Tuned{},
		EventDisabled:     Disabled{},
		EventTableRevised: TableRevised{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}
