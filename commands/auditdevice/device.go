package auditdevice

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Kind is the aggregate kind; the id is the device path ("file/").
const Kind = "audit_device"

// Event types.
const (
	EventEnabled  = "audit.device_enabled"
	EventDisabled = "audit.device_disabled"
)

var (
	// ErrInvalid reports a device definition that cannot be used.
	ErrInvalid = errors.New("auditdevice: invalid device")
	// ErrExists reports a path already in use.
	ErrExists = errors.New("auditdevice: path already in use")
	// ErrNotFound reports an unknown device path.
	ErrNotFound = errors.New("auditdevice: no audit device at path")
)

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

// NormalizePath gives a device path its trailing slash.
func NormalizePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// DecideEnable validates a new device. cur is the device at that path, if
// any.
func DecideEnable(cur *Device, d Device) ([]ledger.Event, error) {
	if cur != nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, d.Path)
	}
	if d.Path == "" {
		return nil, fmt.Errorf("%w: empty path", ErrInvalid)
	}
	if d.Type != "file" {
		return nil, fmt.Errorf("%w: type %q is not supported (only \"file\")", ErrInvalid, d.Type)
	}
	fp := d.Options["file_path"]
	switch {
	case fp == "":
		return nil, fmt.Errorf("%w: file_path is required", ErrInvalid)
	case fp == "stdout" || fp == "discard":
	case !filepath.IsAbs(fp):
		return nil, fmt.Errorf("%w: file_path must be absolute", ErrInvalid)
	}
	if v := d.Options["log_raw"]; v == "true" || v == "1" {
		return nil, fmt.Errorf("%w: log_raw would write secrets in plaintext and is refused", ErrInvalid)
	}
	if v := d.Options["hmac_accessor"]; v == "false" || v == "0" {
		return nil, fmt.Errorf("%w: hmac_accessor=false is not supported: records hold only HMAC'd accessors", ErrInvalid)
	}
	if f := d.Options["format"]; f != "" && f != "json" {
		return nil, fmt.Errorf("%w: format %q is not supported (only json)", ErrInvalid, f)
	}
	return []ledger.Event{ledger.NewEvent(EventEnabled, 1, d)}, nil
}

// DecideDisable removes a device.
func DecideDisable(cur *Device) ([]ledger.Event, error) {
	if cur == nil {
		return nil, ErrNotFound
	}
	return []ledger.Event{ledger.NewEvent(EventDisabled, 1, map[string]string{"path": cur.Path})}, nil
}
