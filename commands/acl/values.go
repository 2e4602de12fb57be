package acl

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// allowedValue reports whether a request value v passes an
// allowed_parameters value list, as Vault (1.19+, without
// VAULT_LEGACY_EXACT_MATCHING_ON_LIST) decides:
//   - an empty list allows any value;
//   - v matches an element of the list as a whole;
//   - or v is a list, or a comma-separated string, every element of which
//     matches an element of the list.
//
// One deliberate difference: Vault also allows an empty list and an empty
// string here (they have no element to fail), which lets a client clear a
// parameter the policy restricts to named values. Coffer allows them only
// when the policy lists them.
func allowedValue(v any, list []any) bool {
	if len(list) == 0 || inList(v, list) {
		return true
	}
	elems, ok := elements(v)
	if !ok || len(elems) == 0 {
		return false
	}
	for _, e := range elems {
		if !inList(e, list) {
			return false
		}
	}
	return true
}

// deniedValue reports whether a request value v is refused by a
// denied_parameters value list: an empty list denies any value; v
// matching an element as a whole, or any element of v (a list, or a
// comma-separated string) matching one, denies.
func deniedValue(v any, list []any) bool {
	if len(list) == 0 || inList(v, list) {
		return true
	}
	elems, _ := elements(v)
	for _, e := range elems {
		if inList(e, list) {
			return true
		}
	}
	return false
}

// elements splits a list value, or a string as Vault's
// ParseCommaStringSlice does (on ",", each part trimmed), because an
// engine may read the parameter as a comma-separated list.
func elements(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case string:
		if x == "" {
			return nil, true
		}
		parts := strings.Split(x, ",")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = strings.TrimSpace(p)
		}
		return out, true
	}
	return nil, false
}

// inList reports whether v matches an element of list. A string element
// matches a string value as a Vault glob (a leading and/or trailing "*");
// null matches only null; anything else must be equal (see equalValues).
func inList(v any, list []any) bool {
	for _, el := range list {
		if el == nil || v == nil {
			if el == nil && v == nil {
				return true
			}
			continue
		}
		if es, ok := el.(string); ok {
			if vs, ok := v.(string); ok && globMatch(es, vs) {
				return true
			}
			continue
		}
		if equalValues(el, v) {
			return true
		}
	}
	return false
}

// globMatch is Vault's GlobbedStringsMatch: pattern may start and/or end
// with "*"; a pattern shorter than two characters matches only itself.
func globMatch(pattern, s string) bool {
	if len(pattern) < 2 {
		return s == pattern
	}
	prefix, suffix := strings.HasPrefix(pattern, "*"), strings.HasSuffix(pattern, "*")
	switch {
	case prefix && suffix:
		return strings.Contains(s, pattern[1:len(pattern)-1])
	case prefix:
		return strings.HasSuffix(s, pattern[1:])
	case suffix:
		return strings.HasPrefix(s, pattern[:len(pattern)-1])
	}
	return s == pattern
}

// equalValues compares a policy value (as HCL decoded it) with a request
// value (as JSON decoded it) structurally. Strings, booleans and numbers
// never equal one another, as in Vault (its docs advise listing both
// false and "false"). Numbers compare by value: Vault compares an HCL int
// with a JSON json.Number by reflect.DeepEqual, which never matches, so a
// number in a Vault policy can neither allow nor deny a request sent over
// HTTP. That is a bypass for denied_parameters; Coffer compares numbers
// numerically instead.
func equalValues(a, b any) bool {
	if na, ok := number(a); ok {
		nb, ok := number(b)
		return ok && na.equal(nb)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalValues(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// num is a number from a policy or a request: an integer when it fits
// int64, otherwise a float64. Request numbers are parsed with strconv,
// never big.Rat, so a huge exponent costs nothing.
type num struct {
	isInt bool
	i     int64
	f     float64
}

func (a num) equal(b num) bool {
	if a.isInt && b.isInt {
		return a.i == b.i
	}
	return a.float() == b.float()
}

func (a num) float() float64 {
	if a.isInt {
		return float64(a.i)
	}
	return a.f
}

// number reads the numeric types HCL and encoding/json produce.
func number(v any) (num, bool) {
	switch x := v.(type) {
	case int:
		return num{isInt: true, i: int64(x)}, true
	case int64:
		return num{isInt: true, i: x}, true
	case float64:
		return num{f: x}, true
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return num{isInt: true, i: i}, true
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
				return num{isInt: true, i: int64(f)}, true
			}
			return num{f: f}, true
		}
	}
	return num{}, false
}
