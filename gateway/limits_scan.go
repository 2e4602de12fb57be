package gateway

import (
	"encoding/json"
	"fmt"
)

// scanJSON is checkJSON's fast path: the same limits, checked in the same
// order with the same errors, on a body that encoding/json's own
// validator (json.Valid, no allocation) accepted, by a byte scan instead
// of json.Decoder.Token (an allocation and an interface per token: 2.4%
// of the server's CPU under transit-encrypt, more than decoding the body
// itself). It reports decided=false, and the caller walks the tokens as
// before, whenever it cannot give the answer Token would: a body that is
// not one valid JSON value (two values in a row, a syntax error: the
// error text is the decoder's) or a string whose decoded length it cannot
// bound without decoding (TestScanJSONIsCheckJSON, FuzzScanJSON).
func (l Limits) scanJSON(body []byte) (err error, decided bool) {
	if !json.Valid(body) {
		return nil, false
	}
	var frames [16]jsonFrame
	stack := frames[:0]
	for i := 0; i < len(body); {
		switch c := body[i]; c {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
		case '{', '[':
			if len(stack) >= l.MaxJSONDepth {
				return fmt.Errorf("%w: nested deeper than %d", ErrBadJSON, l.MaxJSONDepth), true
			}
			if err := countEntry(stack, l); err != nil {
				return err, true
			}
			stack = append(stack, jsonFrame{array: c == '['})
			i++
		case '}', ']':
			stack = stack[:len(stack)-1] // json.Valid: brackets balance
			i++
		case '"':
			n, end, exact := jsonString(body, i)
			if n > l.MaxStringBytes {
				if !exact {
					return nil, false
				}
				return fmt.Errorf("%w: string longer than %d bytes", ErrBadJSON, l.MaxStringBytes), true
			}
			if err := countEntry(stack, l); err != nil {
				return err, true
			}
			i = end
		default: // a number, true, false or null
			for i < len(body) && !jsonDelimiter(body[i]) {
				i++
			}
			if err := countEntry(stack, l); err != nil {
				return err, true
			}
		}
	}
	return nil, true
}

// jsonString measures the valid JSON string starting at body[start] (its
// opening quote): end is the index after its closing quote, and n its
// length once decoded, exact when it holds only ASCII without escapes.
// Otherwise n is an upper bound: an escape decodes to fewer bytes than it
// takes, a valid UTF-8 sequence to as many, and an invalid byte to the
// three of U+FFFD, so three times the raw length bounds any string.
func jsonString(body []byte, start int) (n, end int, exact bool) {
	exact = true
	i := start + 1
	for {
		c := body[i]
		switch {
		case c == '"':
			n = i - start - 1
			if !exact {
				n *= 3
			}
			return n, i + 1, exact
		case c == '\\':
			exact = false
			i += 2 // the escaped byte is never the closing quote
		case c >= 0x80:
			exact = false
			i++
		default:
			i++
		}
	}
}

func jsonDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ':', '}', ']':
		return true
	}
	return false
}
