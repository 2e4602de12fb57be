package acl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/hashicorp/hcl/hcl/token"
)

// checkJSON vets a JSON policy before HCL 1's JSON parser reads it.
//
// That parser keeps no positions, so syntax errors are found here, where
// encoding/json gives a byte offset to turn into line:column. And it
// silently drops booleans and nested lists inside a list: Vault reads
// `"denied_parameters": {"force": [true]}` as `{"force": []}` (deny every
// value) and `"allowed_parameters": {"force": [false]}` as "any value".
// A policy whose meaning the parser would change is refused here; the
// same policy written in HCL syntax keeps its values.
func (ps *parser) checkJSON() error {
	dec := json.NewDecoder(bytes.NewReader(ps.src))
	dec.UseNumber()
	var inArray []bool // one entry per open container: is it an array?
	for {
		start := ps.skipSpace(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			// HCL 1 reads a truncated document such as `{"path": ` as an
			// empty policy; a truncated upload must not become one.
			return ps.errAt(ErrParse, ps.posAt(len(ps.src)), "invalid JSON: unexpected end of input")
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return ps.errAt(ErrParse, ps.posAt(int(se.Offset)), "invalid JSON: %v", err)
			}
			return ps.errAt(ErrParse, ps.posAt(start), "invalid JSON: %v", err)
		}
		parentIsArray := len(inArray) > 0 && inArray[len(inArray)-1]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '[', '{':
				if t == '[' && parentIsArray {
					return ps.errAt(ErrParse, ps.posAt(start), "a list inside a list is dropped by Vault's policy parser; write this policy in HCL syntax")
				}
				inArray = append(inArray, t == '[')
			default:
				inArray = inArray[:len(inArray)-1]
			}
		case bool:
			if parentIsArray {
				return ps.errAt(ErrParse, ps.posAt(start), "a boolean inside a list is dropped by Vault's policy parser; write this policy in HCL syntax")
			}
		case nil:
			if parentIsArray {
				return ps.errAt(ErrParse, ps.posAt(start), "null is not allowed inside a list")
			}
		}
		if len(inArray) == 0 {
			// The top-level value is complete; what may follow is left to
			// HCL 1, so that Coffer accepts what Vault accepts.
			return nil
		}
	}
}

// skipSpace returns the offset of the first byte at or after off that is
// not JSON whitespace or a separator.
func (ps *parser) skipSpace(off int64) int {
	i := int(off)
	for i < len(ps.src) {
		switch ps.src[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	return i
}

// posAt converts a byte offset in the source into a 1-based position.
func (ps *parser) posAt(off int) token.Pos {
	if off > len(ps.src) {
		off = len(ps.src)
	}
	line := 1 + bytes.Count(ps.src[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(ps.src[:off], '\n')
	return token.Pos{Offset: off, Line: line, Column: col}
}
