package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits bound what a request may make the server parse. The JSON limits
// are Vault's defaults (max_request_json_*).
type Limits struct {
	MaxBodyBytes     int64
	MaxJSONDepth     int
	MaxStringBytes   int
	MaxObjectEntries int
	MaxArrayElements int
	// MaxPathBytes and MaxPathSegments bound the request path (after
	// "/v1/", decoded). A path is copied into every event and audit
	// record, so a 500 KB KV key must not be (issue 10, item 14); zero
	// means the default.
	MaxPathBytes    int
	MaxPathSegments int
}

// Path bounds: generous for real paths (Vault's longest built-in paths
// are under 200 bytes and 10 segments; KV keys of a few hundred bytes and
// a few dozen levels are common), far below what makes records heavy.
const (
	DefaultMaxPathBytes    = 4096
	DefaultMaxPathSegments = 128
)

// DefaultLimits are used when the server config sets none.
var DefaultLimits = Limits{
	MaxBodyBytes:     32 << 20,
	MaxJSONDepth:     300,
	MaxStringBytes:   1 << 20,
	MaxObjectEntries: 10_000,
	MaxArrayElements: 10_000,
	MaxPathBytes:     DefaultMaxPathBytes,
	MaxPathSegments:  DefaultMaxPathSegments,
}

// checkPath refuses a path longer than the limits, before anything else
// looks at it. The escaped form is checked first: decoding cannot make a
// path longer, so an oversized one is refused without decoding it.
func (l Limits) checkPath(escaped string) error {
	maxBytes, maxSegs := l.MaxPathBytes, l.MaxPathSegments
	if maxBytes <= 0 {
		maxBytes = DefaultMaxPathBytes
	}
	if maxSegs <= 0 {
		maxSegs = DefaultMaxPathSegments
	}
	if len(escaped) > 3*maxBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrPathTooLong, maxBytes)
	}
	p, err := unescape(escaped)
	if err != nil {
		return err
	}
	if len(p) > maxBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrPathTooLong, maxBytes)
	}
	if n := strings.Count(strings.TrimSuffix(p, "/"), "/") + 1; n > maxSegs {
		return fmt.Errorf("%w: more than %d segments", ErrPathTooLong, maxSegs)
	}
	return nil
}

// checkJSON refuses body before any decoding into maps when it is nested
// too deep, holds a string that is too long, or an object or array with
// too many entries: by scanJSON's byte scan when it can decide, else by
// walking the token stream.
func (l Limits) checkJSON(body []byte) error {
	if err, decided := l.scanJSON(body); decided {
		return err
	}
	return l.checkJSONTokens(body)
}

// checkJSONTokens is checkJSON by json.Decoder.Token: exact on any body,
// the reference scanJSON is tested against.
func (l Limits) checkJSONTokens(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []jsonFrame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadJSON, err)
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= l.MaxJSONDepth {
					return fmt.Errorf("%w: nested deeper than %d", ErrBadJSON, l.MaxJSONDepth)
				}
				if err := countEntry(stack, l); err != nil {
					return err
				}
				stack = append(stack, jsonFrame{array: t == '['})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if len(t) > l.MaxStringBytes {
				return fmt.Errorf("%w: string longer than %d bytes", ErrBadJSON, l.MaxStringBytes)
			}
		}
		if err := countEntry(stack, l); err != nil {
			return err
		}
	}
	return nil
}

type jsonFrame struct {
	array bool
	count int
}

// countEntry counts one value (or, in an object, one key or value) in the
// innermost container.
func countEntry(stack []jsonFrame, l Limits) error {
	if len(stack) == 0 {
		return nil
	}
	top := &stack[len(stack)-1]
	top.count++
	if top.array && top.count > l.MaxArrayElements {
		return fmt.Errorf("%w: array with more than %d elements", ErrBadJSON, l.MaxArrayElements)
	}
	// An object's tokens alternate key, value.
	if !top.array && top.count > 2*l.MaxObjectEntries {
		return fmt.Errorf("%w: object with more than %d entries", ErrBadJSON, l.MaxObjectEntries)
	}
	return nil
}

// decodeBody parses a JSON object body (empty means no data).
func (l Limits) decodeBody(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	if err := l.checkJSON(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrBadJSON)
	}
	if v == nil {
		return nil, nil // the Vault client sends "null" for a write without data
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: body must be a JSON object", ErrBadJSON)
	}
	return m, nil
}
