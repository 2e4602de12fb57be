package auditdevice

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/apierror"
	"github.com/cofferhq/coffer/ledger"
)

// NormalizePath gives a device path its trailing slash.
func NormalizePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// Errors of audit device decisions (400s, with the reason appended).
var (
	// ErrInvalid reports a device definition that cannot be used.
	ErrInvalid = apierror.New(1301, http.StatusBadRequest, "auditdevice", "invalid device")
	// ErrExists reports a path already in use.
	ErrExists = apierror.New(1302, http.StatusBadRequest, "auditdevice", "path already in use")
)

// DecideEnable validates a new device. cur is the device at that path, if
// any.
func DecideEnable(cur *auditevent.Device, d auditevent.Device) ([]ledger.Event, error) {
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
	return []ledger.Event{ledger.MakeEvent(auditevent.EventEnabled, d)}, nil
}

// DecideDisable removes a device.
func DecideDisable(cur *auditevent.Device) ([]ledger.Event, error) {
	if cur == nil {
		return nil, auditevent.ErrNotFound
	}
	return []ledger.Event{ledger.MakeEvent(auditevent.EventDisabled, auditevent.Disabled{Path: cur.Path})}, nil
}
