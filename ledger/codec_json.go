package ledger

import (
	"encoding/json"
	"strconv"
)

// Every request's events are encoded once by its caller and every message
// is decoded by each of its readers (the projector first). encoding/json
// spent most of that time on reflection and on re-validating each
// payload (json.RawMessage) byte by byte through its generic scanner:
// ~8% of the server's CPU encoding, ~11% decoding, on transit-encrypt
// (issue 16), where every payload is an audit record the projector does
// not even apply.
//
// appendEvent writes the bytes json.Marshal writes for an Event, and
// decodeEventsFast reads the layout json.Marshal writes, by hand. Both
// take their fast path only for what they can prove canonical (a payload
// that is valid, compact JSON with nothing json.Marshal would escape;
// strings of plain printable ASCII; the fields in encoding/json's order)
// and hand anything else to encoding/json, so the bytes stored and the
// events read back are encoding/json's in every case:
// TestAppendEventIsEncodingJSONs and TestDecodeFastIsEncodingJSONs
// compare them, FuzzEventJSON on arbitrary input.

// maxFastDepth bounds the payload scanner's recursion; a payload nested
// deeper goes to encoding/json (which allows 10,000 levels).
const maxFastDepth = 256

// appendEvent appends json.Marshal(e)'s bytes to dst.
func appendEvent(dst []byte, e *Event) ([]byte, error) {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, e.ID)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, e.Type)
	dst = append(dst, `,"schema":`...)
	dst = strconv.AppendInt(dst, int64(e.Schema), 10)
	dst = appendJSONField(dst, `,"kind":`, e.Kind)
	dst = appendJSONField(dst, `,"agg":`, e.Aggregate)
	if e.Version != 0 {
		dst = append(dst, `,"ver":`...)
		dst = strconv.AppendUint(dst, e.Version, 10)
	}
	dst = append(dst, `,"at":"`...)
	// AppendText is MarshalJSON's RFC 3339 without the quotes; a time it
	// refuses (a year outside 0-9999) gets encoding/json's own error.
	dst, err := e.At.AppendText(dst)
	if err != nil {
		_, err = json.Marshal(e)
		return nil, err
	}
	dst = append(dst, '"')
	dst = appendJSONField(dst, `,"actor":`, e.Actor)
	dst = appendJSONField(dst, `,"req":`, e.RequestID)
	dst = appendJSONField(dst, `,"corr":`, e.Correlation)
	dst = appendJSONField(dst, `,"cause":`, e.Causation)
	if len(e.Data) > 0 {
		dst = append(dst, `,"data":`...)
		if end, ok := scanCanonical(e.Data, 0, 0); ok && end == len(e.Data) {
			dst = append(dst, e.Data...)
		} else {
			// Whitespace to compact, characters to escape or not JSON
			// at all: encoding/json compacts, escapes or refuses it.
			raw, err := json.Marshal(e.Data)
			if err != nil {
				return nil, err
			}
			dst = append(dst, raw...)
		}
	}
	return append(dst, '}'), nil
}

// appendJSONField appends name and s unless s is empty (omitempty).
func appendJSONField(dst []byte, name, s string) []byte {
	if s == "" {
		return dst
	}
	return appendJSONString(append(dst, name...), s)
}

// appendJSONString writes s as json.Marshal does: as is when it is plain
// printable ASCII without quotes, backslashes or HTML's <, > and &,
// through json.Marshal otherwise.
func appendJSONString(dst []byte, s string) []byte {
	if !plainString(s) {
		raw, _ := json.Marshal(s) // a string always encodes
		return append(dst, raw...)
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func plainString[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// scanCanonical reads the JSON value at b[i:] and returns where it ends.
// ok is true only for a value json.Marshal would copy unchanged: valid,
// without whitespace, and with none of the characters encoding/json
// escapes in HTML-safe mode (<, >, &, U+2028, U+2029) unescaped. It is
// stricter than the grammar, never looser: false sends the caller to
// encoding/json.
func scanCanonical(b []byte, i, depth int) (end int, ok bool) {
	if i >= len(b) || depth > maxFastDepth {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{':
		i++
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return 0, false
			}
			if i, ok = scanString(b, i); !ok || i >= len(b) || b[i] != ':' {
				return 0, false
			}
			if i, ok = scanCanonical(b, i+1, depth+1); !ok || i >= len(b) {
				return 0, false
			}
			switch b[i] {
			case ',':
				i++
			case '}':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '[':
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			if i, ok = scanCanonical(b, i, depth+1); !ok || i >= len(b) {
				return 0, false
			}
			switch b[i] {
			case ',':
				i++
			case ']':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	}
	return 0, false
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// plainByte marks the bytes a canonical string holds as they are: all
// but control characters, the quote, the backslash, <, > and &, and 0xE2
// (which starts U+2028 and U+2029), which scanString looks at one by one.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != 0xe2
	}
	return t
}()

// scanString reads the string whose opening quote is b[i].
func scanString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		// Payloads are mostly long runs of plain bytes (HMACs, ids,
		// base64): skip them four at a time.
		for i+4 <= len(b) && plainByte[b[i]] && plainByte[b[i+1]] && plainByte[b[i+2]] && plainByte[b[i+3]] {
			i += 4
		}
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			return 0, false
		case c == '\\':
			i++
			if i >= len(b) {
				return 0, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i <= 4 {
					return 0, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return 0, false
					}
				}
				i += 4
			default:
				return 0, false
			}
		case c == 0xe2:
			// U+2028 and U+2029 (E2 80 A8/A9) are escaped by
			// encoding/json; any other byte >= 0x80 is copied as is.
			if len(b)-i > 2 && b[i+1] == 0x80 && (b[i+2] == 0xa8 || b[i+2] == 0xa9) {
				return 0, false
			}
		}
	}
	return 0, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// decodeEventsFast reads a batch body in the layout json.Marshal writes
// (batchBody, its events' fields in order, omitempty ones left out) and
// reports false for anything else, which decodeBatch then hands to
// encoding/json. A payload is checked as the encoder checks it and kept
// as a slice of body, capped so that an append to one event's Data
// cannot write over the next one.
func decodeEventsFast(body []byte) ([]Event, bool) {
	r := fastReader{b: body}
	if !r.lit(batchPrefix) {
		return nil, false
	}
	events := make([]Event, 0, 16)
	if r.lit(batchSuffix) {
		return events, r.i == len(body)
	}
	for {
		var e Event
		if !r.event(&e) {
			return nil, false
		}
		events = append(events, e)
		if r.lit(batchSuffix) {
			return events, r.i == len(body)
		}
		if !r.lit([]byte{','}) {
			return nil, false
		}
	}
}

type fastReader struct {
	b []byte
	i int
}

func (r *fastReader) lit(s []byte) bool {
	if len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != string(s) {
		return false
	}
	r.i += len(s)
	return true
}

// name reads `"name":` or, with comma, `,"name":`, and reports false
// (reading nothing) when the next field is another.
func (r *fastReader) name(s string) bool {
	if len(r.b)-r.i < len(s)+3 || r.b[r.i] != '"' || string(r.b[r.i+1:r.i+1+len(s)]) != s || r.b[r.i+1+len(s)] != '"' || r.b[r.i+2+len(s)] != ':' {
		return false
	}
	r.i += len(s) + 3
	return true
}

// next reads `,"name":` if that is the next field.
func (r *fastReader) next(s string) bool {
	if r.i >= len(r.b) || r.b[r.i] != ',' {
		return false
	}
	r.i++
	if !r.name(s) {
		r.i--
		return false
	}
	return true
}

// quoted returns the bytes of a string of plain printable ASCII (the
// only strings json.Marshal writes as they are), quotes excluded.
func (r *fastReader) quoted() ([]byte, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	start := r.i + 1
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			r.i = j + 1
			return r.b[start:j], true
		case c < 0x20 || c > 0x7e || c == '\\' || c == '<' || c == '>' || c == '&':
			return nil, false
		}
	}
	return nil, false
}

func (r *fastReader) str(dst *string) bool {
	s, ok := r.quoted()
	if ok {
		*dst = string(s)
	}
	return ok
}

// optional reads `,"name":"value"` if that is the next field. A field
// json.Marshal leaves out when empty is never written empty.
func (r *fastReader) optional(name string, dst *string) bool {
	if !r.next(name) {
		return true
	}
	return r.str(dst) && *dst != ""
}

// integer reads a JSON number that is an integer (no fraction, no
// exponent, no leading zero: what strconv.Append* writes).
func (r *fastReader) integer() ([]byte, bool) {
	end, ok := scanNumber(r.b, r.i)
	if !ok {
		return nil, false
	}
	for _, c := range r.b[r.i:end] {
		if c == '.' || c == 'e' || c == 'E' {
			return nil, false
		}
	}
	d := r.b[r.i:end]
	r.i = end
	return d, true
}

func (r *fastReader) event(e *Event) bool {
	if !r.lit([]byte{'{'}) || !r.name("id") || !r.str(&e.ID) {
		return false
	}
	if !r.next("type") {
		return false
	}
	typ, ok := r.quoted()
	if !ok {
		return false
	}
	e.Type = internType(typ)
	if !r.next("schema") {
		return false
	}
	d, ok := r.integer()
	if !ok {
		return false
	}
	schema, err := strconv.ParseInt(string(d), 10, 0)
	if err != nil {
		return false
	}
	e.Schema = int(schema)
	if !r.optional("kind", &e.Kind) || !r.optional("agg", &e.Aggregate) {
		return false
	}
	if r.next("ver") {
		d, ok := r.integer()
		if !ok {
			return false
		}
		if e.Version, err = strconv.ParseUint(string(d), 10, 64); err != nil || e.Version == 0 {
			return false
		}
	}
	if !r.next("at") {
		return false
	}
	start := r.i
	if _, ok := r.quoted(); !ok || e.At.UnmarshalJSON(r.b[start:r.i]) != nil {
		return false
	}
	if !r.optional("actor", &e.Actor) || !r.optional("req", &e.RequestID) ||
		!r.optional("corr", &e.Correlation) || !r.optional("cause", &e.Causation) {
		return false
	}
	if r.next("data") {
		end, ok := scanCanonical(r.b, r.i, 0)
		if !ok {
			return false
		}
		e.Data = r.b[r.i:end:end]
		r.i = end
	}
	return r.lit([]byte{'}'})
}

// internType returns a registered type's name without allocating it
// again for every event.
func internType(b []byte) string {
	typesMu.RLock()
	t, ok := types[string(b)]
	typesMu.RUnlock()
	if ok {
		return t.Name
	}
	return string(b)
}
