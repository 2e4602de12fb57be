package framework

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Helpers that read typed fields from a request body the way Vault's
// FieldData does: JSON numbers, numeric strings and duration strings
// ("1h", "90s", "3600") are all accepted where Vault accepts them.

// String reads a string field.
func (r *Request) String(key string) (string, bool, error) {
	v, ok := r.Data[key]
	if !ok || v == nil {
		return "", false, nil
	}
	switch t := v.(type) {
	case string:
		return t, true, nil
	case json.Number:
		return t.String(), true, nil
	case bool:
		return strconv.FormatBool(t), true, nil
	}
	return "", false, BadRequest("field %q: expected a string", key)
}

// Bool reads a boolean field ("true"/"false" strings too).
func (r *Request) Bool(key string) (bool, bool, error) {
	v, ok := r.Data[key]
	if !ok || v == nil {
		return false, false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, true, nil
	case string:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return false, false, BadRequest("field %q: expected a boolean", key)
		}
		return b, true, nil
	}
	return false, false, BadRequest("field %q: expected a boolean", key)
}

// Int reads an integer field.
func (r *Request) Int(key string) (int64, bool, error) {
	v, ok := r.Data[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	case float64:
		return int64(t), true, nil
	default:
		return 0, false, BadRequest("field %q: expected an integer", key)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, BadRequest("field %q: expected an integer", key)
	}
	return n, true, nil
}

// Duration reads a duration field: seconds as a number, or a Go/Vault
// duration string ("1h", "30m", "87600h", "7d").
func (r *Request) Duration(key string) (time.Duration, bool, error) {
	v, ok := r.Data[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	case float64:
		return time.Duration(t) * time.Second, true, nil
	default:
		return 0, false, BadRequest("field %q: expected a duration", key)
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, false, BadRequest("field %q: %v", key, err)
	}
	return d, true, nil
}

// ParseDuration parses Vault's duration syntax: an integer number of
// seconds, or a Go duration with an optional "d" (day) unit.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseInt(strings.TrimSuffix(s, "d"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return d, nil
}

// StringSlice reads a list field: a JSON array of strings, or a
// comma-separated string (as the Vault CLI sends "a,b").
func (r *Request) StringSlice(key string) ([]string, bool, error) {
	v, ok := r.Data[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	switch t := v.(type) {
	case string:
		if t == "" {
			return []string{}, true, nil
		}
		parts := strings.Split(t, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, true, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false, BadRequest("field %q: expected a list of strings", key)
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, false, BadRequest("field %q: expected a list of strings", key)
}

// StringMap reads a map of strings (metadata, custom_metadata).
func (r *Request) StringMap(key string) (map[string]string, bool, error) {
	v, ok := r.Data[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, BadRequest("field %q: expected a map of strings", key)
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, ok := e.(string)
		if !ok {
			return nil, false, BadRequest("field %q: value of %q must be a string", key, k)
		}
		out[k] = s
	}
	return out, true, nil
}
