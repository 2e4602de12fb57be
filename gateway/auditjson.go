package gateway

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
)

// Every request encodes two audit records, and encoding/json's reflection
// over them (map key sorting, interface values, string escaping) was the
// larger part of building them (issue 16). appendRecord writes the bytes
// json.Marshal writes for the same record (TestAuditJSONIsEncodingJSONs
// compares them), by hand for what records hold on the hot path and
// through json.Marshal for the rest: a string with anything to escape,
// numbers other than ints, wrap info, any value of another type.

// errAuditJSON reports a value json.Marshal refuses (never expected:
// records hold decoded JSON and strings).
var errAuditJSON = errors.New("gateway: audit record does not encode")

func appendRecord(dst []byte, r *auditevent.Record) ([]byte, error) {
	var err error
	dst = append(dst, `{"time":`...)
	if dst, err = appendTime(dst, r.Time); err != nil {
		return nil, err
	}
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, r.Type)
	if r.Auth != nil {
		dst = append(dst, `,"auth":`...)
		dst = appendAuth(dst, r.Auth)
	}
	dst = append(dst, `,"request":`...)
	if dst, err = appendRequest(dst, &r.Request); err != nil {
		return nil, err
	}
	if r.Response != nil {
		dst = append(dst, `,"response":`...)
		if dst, err = appendResponse(dst, r.Response); err != nil {
			return nil, err
		}
	}
	if r.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, r.Error)
	}
	return append(dst, '}'), nil
}

// field appends ,"name":value for a non-empty string (omitempty), or the
// first field without its comma.
func field(dst []byte, first bool, name, v string, omitEmpty bool) []byte {
	if omitEmpty && v == "" {
		return dst
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return appendString(dst, v)
}

func appendAuth(dst []byte, a *auditevent.Auth) []byte {
	dst = append(dst, '{')
	n := len(dst)
	dst = field(dst, true, "client_token", a.ClientToken, true)
	dst = field(dst, len(dst) == n, "accessor", a.Accessor, true)
	dst = field(dst, len(dst) == n, "display_name", a.DisplayName, true)
	for _, l := range []struct {
		name string
		v    []string
	}{{"policies", a.Policies}, {"token_policies", a.TokenPolicies}} {
		if len(l.v) == 0 {
			continue
		}
		if len(dst) != n {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, l.name...)
		dst = append(dst, `":`...)
		dst = appendStrings(dst, l.v)
	}
	if len(a.Metadata) > 0 {
		if len(dst) != n {
			dst = append(dst, ',')
		}
		dst = append(dst, `"metadata":`...)
		dst, _ = appendMap(dst, a.Metadata, func(d []byte, s string) ([]byte, error) { return appendString(d, s), nil })
	}
	dst = field(dst, len(dst) == n, "entity_id", a.EntityID, true)
	dst = field(dst, len(dst) == n, "token_type", a.TokenType, true)
	return append(dst, '}')
}

func appendRequest(dst []byte, r *auditevent.Request) ([]byte, error) {
	dst = append(dst, '{')
	dst = field(dst, true, "id", r.ID, false)
	dst = field(dst, false, "operation", r.Operation, false)
	dst = field(dst, false, "mount_type", r.MountType, true)
	dst = field(dst, false, "mount_accessor", r.MountAccessor, true)
	dst = field(dst, false, "mount_point", r.MountPoint, true)
	dst = field(dst, false, "client_token", r.ClientToken, true)
	dst = field(dst, false, "client_token_accessor", r.ClientTokenAccessor, true)
	dst = append(dst, `,"namespace":{"id":`...)
	dst = appendString(dst, r.Namespace.ID)
	dst = append(dst, '}')
	dst = field(dst, false, "path", r.Path, false)
	if r.Data != nil {
		var err error
		dst = append(dst, `,"data":`...)
		if dst, err = appendAny(dst, r.Data); err != nil {
			return nil, err
		}
	}
	dst = field(dst, false, "remote_address", r.RemoteAddress, true)
	return append(dst, '}'), nil
}

func appendResponse(dst []byte, r *auditevent.Response) ([]byte, error) {
	var err error
	dst = append(dst, '{')
	n := len(dst)
	dst = field(dst, true, "mount_type", r.MountType, true)
	comma := func() {
		if len(dst) != n {
			dst = append(dst, ',')
		}
	}
	if r.Data != nil {
		comma()
		dst = append(dst, `"data":`...)
		if dst, err = appendAny(dst, r.Data); err != nil {
			return nil, err
		}
	}
	if r.Auth != nil {
		comma()
		dst = append(dst, `"auth":`...)
		dst = appendAuth(dst, r.Auth)
	}
	if len(r.Secret) > 0 {
		comma()
		dst = append(dst, `"secret":`...)
		if dst, err = appendAny(dst, r.Secret); err != nil {
			return nil, err
		}
	}
	if len(r.Warnings) > 0 {
		comma()
		dst = append(dst, `"warnings":`...)
		dst = appendStrings(dst, r.Warnings)
	}
	if r.WrapInfo != nil {
		comma()
		dst = append(dst, `"wrap_info":`...)
		if dst, err = appendMarshal(dst, r.WrapInfo); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendAny writes the values a hashed request or response body holds;
// anything else goes through json.Marshal.
func appendAny(dst []byte, v any) ([]byte, error) {
	var err error
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, t), nil
	case bool:
		return strconv.AppendBool(dst, t), nil
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case map[string]any:
		if t == nil {
			return append(dst, "null"...), nil
		}
		return appendMap(dst, t, appendAny)
	case []any:
		if t == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendAny(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}
	return appendMarshal(dst, v)
}

// sortedKeys orders keys as encoding/json does (bytewise).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendStrings(dst []byte, l []string) []byte {
	if l == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendMap writes m with its keys in encoding/json's order.
func appendMap[V any](dst []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	var err error
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if dst, err = value(dst, m[k]); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendString quotes s as encoding/json does: printable ASCII other than
// '"', '\\' and the HTML characters it escapes (<, >, &) is written as
// it is; any other string (escapes, non-ASCII, invalid UTF-8) is left to
// json.Marshal.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s) // a string always encodes
			return append(dst, raw...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendTime writes t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds), which refuses years outside 0-9999.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return appendMarshal(dst, t)
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

func appendMarshal(dst []byte, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, errors.Join(errAuditJSON, err)
	}
	return append(dst, raw...), nil
}

// auditEvent is the ledger event of an audit record. A record the hand
// encoder refuses goes through ledger.MakeEvent, as every record did.
func auditEvent(typ string, rec auditevent.Record) ledger.Event {
	var e ledger.Event
	raw, err := appendRecord(make([]byte, 0, 1024), &rec)
	if t, ok := ledger.LookupEventType(typ); ok && err == nil {
		e = ledger.Event{ID: ledger.NewID(), Type: typ, Schema: t.Schema, At: time.Now().UTC(), Data: raw}
	} else {
		e = ledger.MakeEvent(typ, rec)
	}
	e.RequestID = rec.Request.ID
	if rec.Auth != nil {
		e.Actor = rec.Auth.Accessor
	}
	return e
}
