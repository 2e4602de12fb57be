package kv

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Field parsers for what framework.Request does not cover, accepting what
// Vault's field types accept.

// weakInt decodes a scalar into an integer the way Vault's weak decoding
// does: numbers (fractions truncated), numeric strings, booleans, null as 0.
func weakInt(v any) (int64, bool) {
	switch t := v.(type) {
	case nil:
		return 0, true
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, true
		}
		f, err := t.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return int64(f), true
	case float64:
		return int64(t), true
	case int:
		return int64(t), true
	case int64:
		return t, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(t), 0, 64)
		return n, err == nil
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// casOption reads options.cas; nil when absent.
func casOption(req *framework.Request) (*int64, error) {
	raw, ok := req.Data["options"]
	if !ok || raw == nil {
		return nil, nil
	}
	opts, ok := raw.(map[string]any)
	if !ok {
		return nil, framework.BadRequest("field \"options\": expected a map")
	}
	v, ok := opts["cas"]
	if !ok {
		return nil, nil
	}
	n, ok := weakInt(v)
	if !ok {
		return nil, framework.BadRequest("error parsing check-and-set parameter")
	}
	return &n, nil
}

// versionsField reads "versions" as Vault's comma-int-slice does: a JSON
// list of numbers or numeric strings, a single number, or "1,2,3".
// Negative numbers name no version and are dropped.
func versionsField(req *framework.Request) ([]uint64, error) {
	raw, ok := req.Data["versions"]
	if !ok || raw == nil {
		return nil, nil
	}
	var items []any
	switch t := raw.(type) {
	case []any:
		items = t
	case string:
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
	default:
		items = []any{t}
	}
	out := make([]uint64, 0, len(items))
	for _, it := range items {
		n, ok := weakInt(it)
		if !ok {
			return nil, framework.BadRequest("field \"versions\": expected a list of integers")
		}
		if n > 0 {
			out = append(out, uint64(n))
		}
	}
	return out, nil
}

// uint32Field reads a non-negative integer that fits in 32 bits.
func uint32Field(req *framework.Request, key string) (*uint32, error) {
	n, ok, err := req.Int(key)
	if err != nil || !ok {
		return nil, err
	}
	if n < 0 || n > math.MaxUint32 {
		return nil, framework.BadRequest("field %q: must be between 0 and %d", key, uint32(math.MaxUint32))
	}
	v := uint32(n)
	return &v, nil
}

func boolField(req *framework.Request, key string) (*bool, error) {
	b, ok, err := req.Bool(key)
	if err != nil || !ok {
		return nil, err
	}
	return &b, nil
}

func durationField(req *framework.Request, key string) (*time.Duration, error) {
	d, ok, err := req.Duration(key)
	if err != nil || !ok {
		return nil, err
	}
	return &d, nil
}

// signedDurationField reads a duration that may be negative (the mount
// config's delete_version_after, where negative means disabled).
func signedDurationField(req *framework.Request, key string) (*time.Duration, error) {
	raw, ok := req.Data[key]
	if !ok || raw == nil {
		return nil, nil
	}
	var s string
	switch t := raw.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	case float64:
		s = strconv.FormatInt(int64(t), 10)
	default:
		return nil, framework.BadRequest("field %q: expected a duration", key)
	}
	neg := strings.HasPrefix(s, "-")
	d, err := framework.ParseDuration(strings.TrimPrefix(s, "-"))
	if err != nil {
		return nil, framework.BadRequest("field %q: %v", key, err)
	}
	if neg {
		d = -d
	}
	return &d, nil
}

// customMetadataField reads custom_metadata as Vault does: values are
// decoded weakly into strings; with allowNull (PATCH) a null value means
// "remove this key". present reports whether the field was given at all,
// cleared whether it was given as null.
func customMetadataField(req *framework.Request, allowNull bool) (m map[string]*string, present, cleared bool, err error) {
	raw, ok := req.Data["custom_metadata"]
	if !ok {
		return nil, false, false, nil
	}
	if raw == nil {
		return nil, true, true, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, true, false, framework.BadRequest("custom_metadata validation failed: expected a map")
	}
	m = make(map[string]*string, len(obj))
	for k, v := range obj {
		if v == nil && allowNull {
			m[k] = nil
			continue
		}
		s, ok := weakString(v)
		if !ok {
			return nil, true, false, framework.BadRequest("custom_metadata validation failed: value for key %q is not a string", k)
		}
		m[k] = &s
	}
	return m, true, false, nil
}

func weakString(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		if t {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

// intParam reads an optional non-negative integer query parameter
// (version, depth); absent or non-positive reads as 0.
func intParam(req *framework.Request, key string) (int64, error) {
	n, _, err := req.Int(key)
	if err != nil {
		return 0, err
	}
	return max(n, 0), nil
}
