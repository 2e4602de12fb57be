package authkit

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Fields reads typed request fields; ok is false when the field is absent.
// The method set is the one the gateway's request type has today, so it can
// be passed as is; the module shape's field parser will supply the same.
type Fields interface {
	String(key string) (string, bool, error)
	Bool(key string) (bool, bool, error)
	Int(key string) (int64, bool, error)
	Duration(key string) (time.Duration, bool, error)
	StringSlice(key string) ([]string, bool, error)
}

// RawFields is a decoded JSON body read with Vault's coercions. Decode
// bodies with json.Decoder.UseNumber so large integers survive.
type RawFields map[string]any

var _ Fields = RawFields(nil)

func (r RawFields) get(key string) (any, bool) {
	v, ok := r[key]
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

// String reads a string; numbers and booleans are given as text, as
// Vault's TypeString does.
func (r RawFields) String(key string) (string, bool, error) {
	v, ok := r.get(key)
	if !ok {
		return "", false, nil
	}
	switch t := v.(type) {
	case string:
		return t, true, nil
	case json.Number:
		return t.String(), true, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true, nil
	case bool:
		return strconv.FormatBool(t), true, nil
	}
	return "", false, fieldError(key, "expected a string")
}

// Bool reads a boolean: true/false, "true"/"1"/"false"/"0", or 1/0.
func (r RawFields) Bool(key string) (bool, bool, error) {
	v, ok := r.get(key)
	if !ok {
		return false, false, nil
	}
	var s string
	switch t := v.(type) {
	case bool:
		return t, true, nil
	case string:
		s = t
	case json.Number:
		s = t.String()
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	default:
		return false, false, fieldError(key, "expected a boolean")
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, false, fieldError(key, "expected a boolean")
	}
	return b, true, nil
}

// Int reads an integer from a number or a numeric string.
func (r RawFields) Int(key string) (int64, bool, error) {
	v, ok := r.get(key)
	if !ok {
		return 0, false, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
		if s == "" {
			return 0, true, nil
		}
	case float64:
		if t != math.Trunc(t) {
			return 0, false, fieldError(key, "expected an integer")
		}
		return int64(t), true, nil
	default:
		return 0, false, fieldError(key, "expected an integer")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, fieldError(key, "expected an integer")
	}
	return n, true, nil
}

// Duration reads a duration as Vault's TypeDurationSecond does: a number
// of seconds, or a duration string with an optional "d" unit. Negative
// values pass through so the caller can refuse them with Vault's message.
func (r RawFields) Duration(key string) (time.Duration, bool, error) {
	v, ok := r.get(key)
	if !ok {
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
		return 0, false, fieldError(key, "expected a duration")
	}
	d, err := ParseDurationSecond(s)
	if err != nil {
		return 0, false, fieldError(key, err.Error())
	}
	return d, true, nil
}

// ParseDurationSecond parses Vault's duration syntax: an integer number of
// seconds, "<n>d", or a Go duration. The empty string is zero.
func ParseDurationSecond(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
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
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return d, nil
}

// StringSlice reads a list as Vault's TypeCommaStringSlice does: a JSON
// array, or a comma-separated string; items are trimmed.
func (r RawFields) StringSlice(key string) ([]string, bool, error) {
	v, ok := r.get(key)
	if !ok {
		return nil, false, nil
	}
	switch t := v.(type) {
	case string:
		if strings.TrimSpace(t) == "" {
			return []string{}, true, nil
		}
		parts := strings.Split(t, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, true, nil
	case json.Number:
		return []string{t.String()}, true, nil
	case []string:
		out := make([]string, len(t))
		for i := range t {
			out[i] = strings.TrimSpace(t[i])
		}
		return out, true, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			switch s := e.(type) {
			case string:
				out = append(out, strings.TrimSpace(s))
			case json.Number:
				out = append(out, s.String())
			default:
				return nil, false, fieldError(key, "expected a list of strings")
			}
		}
		return out, true, nil
	}
	return nil, false, fieldError(key, "expected a list of strings")
}

func fieldError(key, msg string) *Error {
	return BadRequest("error parsing field %q: %s", key, msg)
}
