package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/mitchellh/mapstructure"
)

// FieldType is the type of a declared field, with Vault's coercions: what
// the Vault CLI and the HTTP API send (strings from "key=value" and
// "key=@file" arguments, JSON numbers, booleans, lists, objects) becomes
// the field's Go value the way Vault's FieldData makes it.
type FieldType int

// Field types, as Vault's framework.FieldType.
const (
	// TypeString: strings, numbers as text, booleans as "1"/"0".
	TypeString FieldType = iota + 1
	// TypeLowerCaseString is TypeString lower-cased.
	TypeLowerCaseString
	// TypeNameString is TypeString that must look like a name
	// (^\w(([\w-.]+)?\w)?$).
	TypeNameString
	// TypeBool: true/false, "true"/"1"/"t"/"false"/"0"/"f"/"", numbers
	// (non-zero is true).
	TypeBool
	// TypeInt: numbers, numeric strings ("" is 0, "0x10" is 16), booleans
	// as 1/0. Fractions are refused.
	TypeInt
	// TypeFloat: numbers and numeric strings.
	TypeFloat
	// TypeDurationSecond: seconds as a number, or a duration string ("1h",
	// "90s", "7d", "3600"); negative values are refused. Read with
	// Duration.
	TypeDurationSecond
	// TypeSignedDurationSecond is TypeDurationSecond that allows negative
	// values.
	TypeSignedDurationSecond
	// TypeMap: a JSON object.
	TypeMap
	// TypeKVPairs: an object of strings, or a list of "key=value" strings
	// (what the CLI sends for repeated key=value pairs).
	TypeKVPairs
	// TypeSlice: a JSON list of anything.
	TypeSlice
	// TypeStringSlice: a JSON list of strings or one string, which becomes
	// a one-element list and is never split: a "creation_statements=@x.sql"
	// file full of commas stays one statement.
	TypeStringSlice
	// TypeCommaStringSlice: a JSON list of strings or one comma-separated
	// string ("a,b"); entries are trimmed.
	TypeCommaStringSlice
	// TypeCommaIntSlice: a JSON list of integers or "1,2,3".
	TypeCommaIntSlice
	// TypeTime: RFC 3339 or Unix seconds.
	TypeTime
)

// String is the type's name in OpenAPI and help.
func (t FieldType) String() string {
	switch t {
	case TypeString, TypeLowerCaseString:
		return "string"
	case TypeNameString:
		return "name string"
	case TypeBool:
		return "boolean"
	case TypeInt:
		return "integer"
	case TypeFloat:
		return "float"
	case TypeDurationSecond, TypeSignedDurationSecond:
		return "duration (sec)"
	case TypeMap:
		return "map"
	case TypeKVPairs:
		return "map<string|string>"
	case TypeSlice:
		return "slice"
	case TypeStringSlice, TypeCommaStringSlice:
		return "array"
	case TypeCommaIntSlice:
		return "array of integers"
	case TypeTime:
		return "time"
	}
	return "unknown type"
}

// FieldSchema declares one field of a path.
type FieldSchema struct {
	Type FieldType
	// Default is the value when the field is absent, in the field's Go
	// type (a duration default may also be given as seconds or "1h").
	Default     any
	Description string
	// Required is documentation (OpenAPI, help); handlers refuse a missing
	// required field with Vault's own message.
	Required bool
	// Query marks a field read from the URL query (GET, LIST).
	Query bool
	// AllowedValues documents the permitted values.
	AllowedValues []any
	// Deprecated fields are still read but documented as such.
	Deprecated bool
}

// FieldData is a request's data read through its path's declared fields,
// like Vault's framework.FieldData. Raw is the request body (or query)
// plus the variables the path pattern captured, which take priority.
type FieldData struct {
	Raw    map[string]any
	Schema map[string]*FieldSchema
}

// ErrFieldValidation prefixes a field that does not convert to its type.
var ErrFieldValidation = errors.New("Field validation failed")

// Validate converts every present declared field once, so later reads
// cannot fail. Unknown fields are left alone (see Ignored).
func (d *FieldData) Validate() error {
	names := make([]string, 0, len(d.Raw))
	for name := range d.Raw {
		names = append(names, name)
	}
	sort.Strings(names) // the first error is the same on every run
	for _, name := range names {
		s, ok := d.Schema[name]
		if !ok {
			continue
		}
		if _, _, err := s.Type.convert(d.Raw[name]); err != nil {
			return fmt.Errorf("%w: error converting input %v for field %q: %v", ErrFieldValidation, d.Raw[name], name, err)
		}
	}
	return nil
}

// Ignored lists, sorted, the body fields no declared field reads.
func (d *FieldData) Ignored(data map[string]any) []string {
	var out []string
	for k := range data {
		if _, ok := d.Schema[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// GetOkErr returns the converted value of a declared field and whether it
// was given. An undeclared name is an error.
func (d *FieldData) GetOkErr(name string) (any, bool, error) {
	s, ok := d.Schema[name]
	if !ok {
		return nil, false, fmt.Errorf("framework: field %q is not declared", name)
	}
	raw, ok := d.Raw[name]
	if !ok {
		return nil, false, nil
	}
	return s.Type.convert(raw)
}

// GetOk returns the converted value and whether the field was given; a
// field given as null reads as its default. Reading an undeclared field
// is a programming error and panics, as in Vault.
func (d *FieldData) GetOk(name string) (any, bool) {
	v, ok, err := d.GetOkErr(name)
	if err != nil {
		panic(fmt.Sprintf("framework: reading %s: %v", name, err))
	}
	if ok && v == nil {
		v = d.Schema[name].defaultOrZero()
	}
	return v, ok
}

// Get returns the converted value, or the field's default (or its type's
// zero value) when absent.
func (d *FieldData) Get(name string) any {
	v, ok := d.GetOk(name)
	if !ok || v == nil {
		return d.Schema[name].defaultOrZero()
	}
	return v
}

// Typed readers. The Ok forms report whether the field was given.

// String reads a string field.
func (d *FieldData) String(name string) string { return d.Get(name).(string) }

// StringOk reads a string field and whether it was given.
func (d *FieldData) StringOk(name string) (string, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.String(name), false
	}
	return v.(string), true
}

// Bool reads a boolean field.
func (d *FieldData) Bool(name string) bool { return d.Get(name).(bool) }

// BoolOk reads a boolean field and whether it was given.
func (d *FieldData) BoolOk(name string) (bool, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.Bool(name), false
	}
	return v.(bool), true
}

// Int reads an integer field.
func (d *FieldData) Int(name string) int { return d.Get(name).(int) }

// IntOk reads an integer field and whether it was given.
func (d *FieldData) IntOk(name string) (int, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.Int(name), false
	}
	return v.(int), true
}

// Float reads a float field.
func (d *FieldData) Float(name string) float64 { return d.Get(name).(float64) }

// Duration reads a duration field.
func (d *FieldData) Duration(name string) time.Duration { return d.Get(name).(time.Duration) }

// DurationOk reads a duration field and whether it was given.
func (d *FieldData) DurationOk(name string) (time.Duration, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.Duration(name), false
	}
	return v.(time.Duration), true
}

// Strings reads a list of strings.
func (d *FieldData) Strings(name string) []string { return d.Get(name).([]string) }

// StringsOk reads a list of strings and whether it was given.
func (d *FieldData) StringsOk(name string) ([]string, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.Strings(name), false
	}
	return v.([]string), true
}

// Ints reads a list of integers.
func (d *FieldData) Ints(name string) []int { return d.Get(name).([]int) }

// Map reads an object field.
func (d *FieldData) Map(name string) map[string]any { return d.Get(name).(map[string]any) }

// MapOk reads an object field and whether it was given.
func (d *FieldData) MapOk(name string) (map[string]any, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.Map(name), false
	}
	return v.(map[string]any), true
}

// StringMap reads a map of strings (TypeKVPairs).
func (d *FieldData) StringMap(name string) map[string]string {
	return d.Get(name).(map[string]string)
}

// StringMapOk reads a map of strings and whether it was given.
func (d *FieldData) StringMapOk(name string) (map[string]string, bool) {
	v, ok := d.GetOk(name)
	if !ok {
		return d.StringMap(name), false
	}
	return v.(map[string]string), true
}

// Time reads a time field.
func (d *FieldData) Time(name string) time.Time { return d.Get(name).(time.Time) }

// defaultOrZero is the schema's default in the type's Go form, or the
// type's zero value.
func (s *FieldSchema) defaultOrZero() any {
	if s.Default != nil {
		if v, ok, err := s.Type.convert(s.Default); err == nil && ok {
			return v
		}
	}
	return s.Type.zero()
}

func (t FieldType) zero() any {
	switch t {
	case TypeString, TypeLowerCaseString, TypeNameString:
		return ""
	case TypeBool:
		return false
	case TypeInt:
		return 0
	case TypeFloat:
		return 0.0
	case TypeDurationSecond, TypeSignedDurationSecond:
		return time.Duration(0)
	case TypeMap:
		return map[string]any{}
	case TypeKVPairs:
		return map[string]string{}
	case TypeSlice:
		return []any{}
	case TypeStringSlice, TypeCommaStringSlice:
		return []string{}
	case TypeCommaIntSlice:
		return []int{}
	case TypeTime:
		return time.Time{}
	}
	panic(fmt.Sprintf("framework: unknown field type %d", t))
}

var nameRegex = regexp.MustCompile(`^\w(([\w-.]+)?\w)?$`)

// convert applies the type's coercion. A nil value (JSON null) reads as
// given-but-empty: ok with a nil value, which GetOk turns into the default.
// The common shapes take a fast path; the rest go through mapstructure's
// weak decoding, as Vault's FieldData does, so the answers (and the error
// texts) are Vault's.
func (t FieldType) convert(raw any) (any, bool, error) {
	if raw == nil {
		return nil, true, nil
	}
	switch t {
	case TypeString:
		return weakString(raw)
	case TypeLowerCaseString:
		s, ok, err := weakString(raw)
		if err != nil {
			return nil, false, err
		}
		return strings.ToLower(s.(string)), ok, nil
	case TypeNameString:
		s, ok, err := weakString(raw)
		if err != nil {
			return nil, false, err
		}
		if !nameRegex.MatchString(s.(string)) {
			return nil, false, errors.New("field does not match the formatting rules")
		}
		return s, ok, nil
	case TypeBool:
		if b, ok := raw.(bool); ok {
			return b, true, nil
		}
		var b bool
		if err := mapstructure.WeakDecode(raw, &b); err != nil {
			return nil, false, err
		}
		return b, true, nil
	case TypeInt:
		if n, ok := raw.(json.Number); ok {
			i, err := strconv.ParseInt(string(n), 0, 64)
			if err != nil {
				return nil, false, fmt.Errorf("cannot parse '' as int: %w", err)
			}
			return int(i), true, nil
		}
		var n int
		if err := mapstructure.WeakDecode(raw, &n); err != nil {
			return nil, false, err
		}
		return n, true, nil
	case TypeFloat:
		if n, ok := raw.(json.Number); ok {
			f, err := n.Float64()
			if err != nil {
				return nil, false, fmt.Errorf("cannot parse '' as float: %w", err)
			}
			return f, true, nil
		}
		var f float64
		if err := mapstructure.WeakDecode(raw, &f); err != nil {
			return nil, false, err
		}
		return f, true, nil
	case TypeDurationSecond, TypeSignedDurationSecond:
		dur, err := parseutil.ParseDurationSecond(raw)
		if err != nil {
			return nil, false, err
		}
		if t == TypeDurationSecond && dur < 0 {
			return nil, false, fmt.Errorf("cannot provide negative value '%d'", int64(dur/time.Second))
		}
		return dur, true, nil
	case TypeMap:
		if m, ok := raw.(map[string]any); ok {
			return m, true, nil
		}
		var m map[string]any
		if err := mapstructure.WeakDecode(raw, &m); err != nil {
			return nil, false, err
		}
		return m, true, nil
	case TypeKVPairs:
		return kvPairs(raw)
	case TypeSlice:
		var out []any
		if err := mapstructure.WeakDecode(raw, &out); err != nil {
			return nil, false, err
		}
		if out == nil {
			out = []any{}
		}
		return out, true, nil
	case TypeStringSlice:
		if s, ok := raw.(string); ok {
			if s == "" {
				return []string{}, true, nil
			}
			return []string{strings.TrimSpace(s)}, true, nil
		}
		var out []string
		if err := mapstructure.WeakDecode(raw, &out); err != nil {
			return nil, false, err
		}
		for i := range out {
			out[i] = strings.TrimSpace(out[i])
		}
		if out == nil {
			out = []string{}
		}
		return out, true, nil
	case TypeCommaStringSlice:
		out, err := parseutil.ParseCommaStringSlice(raw)
		if err != nil {
			return nil, false, err
		}
		if out == nil {
			out = []string{}
		}
		return out, true, nil
	case TypeCommaIntSlice:
		if n, ok := raw.(json.Number); ok {
			raw = n.String()
		}
		var out []int
		dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
			Result: &out, WeaklyTypedInput: true, DecodeHook: mapstructure.StringToSliceHookFunc(","),
		})
		if err != nil {
			return nil, false, err
		}
		if err := dec.Decode(raw); err != nil {
			return nil, false, err
		}
		if out == nil {
			out = []int{}
		}
		return out, true, nil
	case TypeTime:
		at, err := parseutil.ParseAbsoluteTime(raw)
		if err != nil {
			return nil, false, err
		}
		return at.UTC(), true, nil
	}
	return nil, false, fmt.Errorf("framework: unknown field type %d", t)
}

func weakString(raw any) (any, bool, error) {
	switch v := raw.(type) {
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	}
	var s string
	if err := mapstructure.WeakDecode(raw, &s); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

// kvPairs reads an object of strings, or "key=value" strings.
func kvPairs(raw any) (any, bool, error) {
	if m, ok := raw.(map[string]any); ok {
		out := make(map[string]string, len(m))
		for k, v := range m {
			s, _, err := weakString(v)
			if err != nil {
				return nil, false, fmt.Errorf("value of %q: %w", k, err)
			}
			out[k] = s.(string)
		}
		return out, true, nil
	}
	var list []string
	if err := mapstructure.WeakDecode(raw, &list); err != nil {
		return nil, false, err
	}
	out := make(map[string]string, len(list))
	for _, pair := range list {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, false, fmt.Errorf("invalid key pair %q", pair)
		}
		out[k] = v
	}
	return out, true, nil
}

// Coerce converts a value the way a field of type t would, for values
// that are not top-level fields (the items of transit's batch_input).
func Coerce(t FieldType, raw any) (any, error) {
	v, _, err := t.convert(raw)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return t.zero(), nil
	}
	return v, nil
}

// ParseDuration parses Vault's duration syntax: an integer number of
// seconds, or a Go duration with an optional "d" (day) unit. Negative
// durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	v, err := Coerce(TypeDurationSecond, s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return v.(time.Duration), nil
}
