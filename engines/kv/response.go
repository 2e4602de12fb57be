package kv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/kvevent"
)

// vaultTime formats a time as Vault's KV engine does (RFC 3339 with
// nanoseconds, UTC); the zero time is "".
func vaultTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// versionMetadata is a version's metadata as data reads, writes and
// patches return it. custom_metadata is always present (null when unset):
// the Vault Go client refuses a write response without it.
func versionMetadata(n uint64, vm kvevent.VersionMeta, custom map[string]string) map[string]any {
	return map[string]any{
		"version":         n,
		"created_time":    vaultTime(vm.CreatedTime),
		"deletion_time":   vaultTime(vm.DeletionTime),
		"destroyed":       vm.Destroyed,
		"custom_metadata": customMetadata(custom),
	}
}

// customMetadata renders an empty map as null, as Vault does.
func customMetadata(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// notFoundWith is Vault's 404 that still carries data (a deleted or
// destroyed version's metadata).
func notFoundWith(data map[string]any) *framework.Response {
	return &framework.Response{StatusCode: http.StatusNotFound, Data: data}
}

// decodeObject decodes a stored value, keeping numbers exact.
func decodeObject(plain []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("kv: decode stored version: %w", err)
	}
	return out, nil
}
