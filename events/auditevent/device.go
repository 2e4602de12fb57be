package auditevent

import (
	"errors"
	"time"
)

// Kind is the aggregate kind; the id is the device path ("file/").
const Kind = "audit_device"

// Event types of the audit device table.
const (
	EventEnabled  = "audit.device_enabled"
	EventDisabled = "audit.device_disabled"
)

// ErrNotFound reports an unknown device path.
var ErrNotFound = errors.New("auditevent: no audit device at path")

// Device is one enabled audit device.
type Device struct {
	Path        string            `json:"path"`
	Type        string            `json:"type"`
	Description string            `json:"description"`
	Options     map[string]string `json:"options"`
	Local       bool              `json:"local"`
	EnabledAt   time.Time         `json:"enabled_at"`
	// StartSeq is the ledger index the device starts copying after: a new
	// device receives records from its creation on, as in Vault.
	StartSeq uint64 `json:"start_seq"`
}

// Disabled is the payload of audit.device_disabled.
type Disabled struct {
	Path string `json:"path"`
}
