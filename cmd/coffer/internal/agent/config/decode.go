package config

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/hcl/ast"
	"github.com/hashicorp/hcl/hcl/token"
)

// decoder walks HCL1's syntax tree and collects every problem with its
// position, so one run reports them all.
type decoder struct {
	file     string
	problems []string
	warnings []string
}

func (d *decoder) errorf(pos token.Pos, format string, args ...any) {
	d.problems = append(d.problems, d.where(pos)+": "+fmt.Sprintf(format, args...))
}

func (d *decoder) warnf(pos token.Pos, format string, args ...any) {
	d.warnings = append(d.warnings, d.where(pos)+": "+fmt.Sprintf(format, args...))
}

func (d *decoder) where(pos token.Pos) string {
	if pos.Line == 0 {
		return d.file
	}
	return fmt.Sprintf("%s:%d:%d", d.file, pos.Line, pos.Column)
}

// keyOf is an item's first key, lower-cased (HCL1 keys match without case,
// as ObjectList.Filter does).
func keyOf(it *ast.ObjectItem) string {
	if len(it.Keys) == 0 {
		return ""
	}
	return strings.ToLower(keyText(it.Keys[0]))
}

func keyText(k *ast.ObjectKey) string {
	if s, ok := k.Token.Value().(string); ok {
		return s
	}
	return k.Token.Text
}

// rules say which keys a block may hold: known ones are decoded, accepted
// ones draw a warning (Vault settings Coffer does not act on), refused ones
// an error naming why.
type rules struct {
	known    []string
	accepted map[string]string // key -> why it has no effect
	refused  map[string]string // key -> why it is refused
}

// check reports unknown, accepted and refused keys of list.
func (d *decoder) check(list *ast.ObjectList, what string, r rules) {
	known := map[string]bool{}
	for _, k := range r.known {
		known[k] = true
	}
	for _, it := range list.Items {
		k := keyOf(it)
		switch {
		case known[k]:
		case r.accepted[k] != "":
			d.warnf(posOf(it), "%s: %s is accepted without effect: %s", what, k, r.accepted[k])
		case r.refused[k] != "":
			d.errorf(posOf(it), "%s: %s is not supported: %s", what, k, r.refused[k])
		default:
			names := append([]string(nil), r.known...)
			sort.Strings(names)
			d.errorf(posOf(it), "%s: unknown key %q (known: %s)", what, k, strings.Join(names, ", "))
		}
	}
}

// filter returns the items named key with that key stripped (HCL1's
// ObjectList.Filter).
func filter(list *ast.ObjectList, key string) []*ast.ObjectItem {
	return list.Filter(key).Items
}

// body is the object list inside a block item. An item whose keys remain
// after the block name came from JSON, where HCL1 flattens
// {"auto_auth": {"method": {...}}} into one item keyed auto_auth.method:
// its body is the single nested item.
func (d *decoder) body(it *ast.ObjectItem, what string) *ast.ObjectList {
	if len(it.Keys) > 0 {
		return &ast.ObjectList{Items: []*ast.ObjectItem{{Keys: it.Keys, Assign: it.Assign, Val: it.Val}}}
	}
	switch v := it.Val.(type) {
	case *ast.ObjectType:
		return v.List
	case *ast.ListType:
		// JSON `"vault": [{...}]` is flattened already; a list here holds
		// no objects.
	}
	d.errorf(it.Val.Pos(), "%s must be a block", what)
	return &ast.ObjectList{}
}

// single merges the items of a block that may appear once: two
// `vault {}` blocks are an error, the pieces of a flattened JSON object
// are one block.
func (d *decoder) single(list *ast.ObjectList, key string) (*ast.ObjectList, token.Pos, bool) {
	items := filter(list, key)
	if len(items) == 0 {
		return nil, token.Pos{}, false
	}
	merged := &ast.ObjectList{}
	whole := 0
	for _, it := range items {
		if len(it.Keys) == 0 {
			if whole++; whole == 2 {
				d.errorf(posOf(it), "only one %s block is allowed", key)
			}
		}
		merged.Items = append(merged.Items, d.body(it, key).Items...)
	}
	return merged, posOf(items[0]), true
}

// attr returns the single attribute named key of list (nil if absent); a
// repeated attribute is an error, so a typo cannot shadow a setting.
func (d *decoder) attr(list *ast.ObjectList, key string) *ast.ObjectItem {
	var found *ast.ObjectItem
	for _, it := range list.Items {
		if keyOf(it) != key || len(it.Keys) != 1 {
			continue
		}
		if found != nil {
			d.errorf(posOf(it), "%s is set twice (first at %s)", key, d.where(found.Pos()))
			continue
		}
		found = it
	}
	return found
}

// literal is the scalar value of an attribute, or nil with an error.
func (d *decoder) literal(it *ast.ObjectItem, what string) any {
	lit, ok := it.Val.(*ast.LiteralType)
	if !ok {
		d.errorf(it.Val.Pos(), "%s must be a single value", what)
		return nil
	}
	return lit.Token.Value()
}

func (d *decoder) str(list *ast.ObjectList, key, what string, out *string) bool {
	it := d.attr(list, key)
	if it == nil {
		return false
	}
	switch v := d.literal(it, what+"."+key).(type) {
	case string:
		*out = v
		return true
	case int64:
		*out = strconv.FormatInt(v, 10)
		return true
	case nil:
	default:
		d.errorf(it.Val.Pos(), "%s.%s must be a string", what, key)
	}
	return false
}

// boolean accepts true/false, "true"/"false" and 0/1, as Vault's weak
// decoding does.
func (d *decoder) boolean(list *ast.ObjectList, key, what string, out *bool) bool {
	it := d.attr(list, key)
	if it == nil {
		return false
	}
	b, err := toBool(d.literal(it, what+"."+key))
	if err != nil {
		d.errorf(it.Val.Pos(), "%s.%s: %v", what, key, err)
		return false
	}
	*out = b
	return true
}

func toBool(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case int64:
		if v == 0 || v == 1 {
			return v == 1, nil
		}
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("%v is not a boolean", v)
}

func (d *decoder) integer(list *ast.ObjectList, key, what string, out *int) bool {
	it := d.attr(list, key)
	if it == nil {
		return false
	}
	switch v := d.literal(it, what+"."+key).(type) {
	case int64:
		*out = int(v)
		return true
	case string:
		n, err := strconv.Atoi(v)
		if err == nil {
			*out = n
			return true
		}
	}
	d.errorf(it.Val.Pos(), "%s.%s must be a whole number", what, key)
	return false
}

func (d *decoder) float(list *ast.ObjectList, key, what string, out *float64) bool {
	it := d.attr(list, key)
	if it == nil {
		return false
	}
	switch v := d.literal(it, what+"."+key).(type) {
	case float64:
		*out = v
		return true
	case int64:
		*out = float64(v)
		return true
	case string:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			*out = f
			return true
		}
	}
	d.errorf(it.Val.Pos(), "%s.%s must be a number", what, key)
	return false
}

// duration accepts Go durations ("5m", "1h30m") and whole seconds, as
// Vault's parseutil.ParseDurationSecond does.
func (d *decoder) duration(list *ast.ObjectList, key, what string, out *time.Duration) bool {
	it := d.attr(list, key)
	if it == nil {
		return false
	}
	dur, err := toDuration(d.literal(it, what+"."+key))
	if err != nil {
		d.errorf(it.Val.Pos(), "%s.%s: %v", what, key, err)
		return false
	}
	*out = dur
	return true
}

func toDuration(v any) (time.Duration, error) {
	switch v := v.(type) {
	case int64:
		if v >= 0 {
			return time.Duration(v) * time.Second, nil
		}
	case float64:
		if v >= 0 && v < math.MaxInt64/float64(time.Second) {
			return time.Duration(v * float64(time.Second)), nil
		}
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, nil
		}
		if dur, err := time.ParseDuration(v); err == nil && dur >= 0 {
			return dur, nil
		}
	}
	return 0, fmt.Errorf("%v is not a duration (use e.g. \"30s\", \"5m\" or whole seconds)", v)
}

// ParseMode reads a file mode: an HCL number (0640 is octal in HCL1) or
// a string of octal digits ("0640", "640").
func ParseMode(v any) (os.FileMode, error) {
	switch v := v.(type) {
	case int64:
		if v >= 0 && v <= 0o7777 {
			return os.FileMode(v), nil
		}
	case int:
		return ParseMode(int64(v))
	case float64:
		if v == math.Trunc(v) {
			return ParseMode(int64(v))
		}
	case string:
		if n, err := strconv.ParseUint(v, 8, 32); err == nil && n <= 0o7777 {
			return os.FileMode(n), nil
		}
	}
	return 0, fmt.Errorf("%v is not a file mode (use e.g. \"0640\")", v)
}

func (d *decoder) mode(list *ast.ObjectList, key, what string, out *os.FileMode) bool {
	it := d.attr(list, key)
	if it == nil {
		return false
	}
	m, err := ParseMode(d.literal(it, what+"."+key))
	if err != nil {
		d.errorf(it.Val.Pos(), "%s.%s: %v", what, key, err)
		return false
	}
	*out = m
	return true
}

// value converts any HCL1 node to plain Go values: string, int64,
// float64, bool, []any and map[string]any (a repeated key becomes a list).
func (d *decoder) value(n ast.Node) any {
	switch v := n.(type) {
	case *ast.LiteralType:
		return v.Token.Value()
	case *ast.ListType:
		out := make([]any, 0, len(v.List))
		for _, e := range v.List {
			out = append(out, d.value(e))
		}
		return out
	case *ast.ObjectType:
		return d.objectValue(v.List)
	case *ast.ObjectList:
		return d.objectValue(v)
	}
	d.errorf(n.Pos(), "unexpected value")
	return nil
}

func (d *decoder) objectValue(list *ast.ObjectList) map[string]any {
	out := map[string]any{}
	for _, it := range list.Items {
		if len(it.Keys) == 0 {
			continue
		}
		var v any
		if len(it.Keys) > 1 {
			// a { b { ... } } written as a "b" { ... }: nest the rest.
			v = d.objectValue(&ast.ObjectList{Items: []*ast.ObjectItem{{Keys: it.Keys[1:], Val: it.Val}}})
		} else {
			v = d.value(it.Val)
		}
		k := keyText(it.Keys[0])
		if prev, ok := out[k]; ok {
			if l, isList := prev.([]any); isList {
				out[k] = append(l, v)
			} else {
				out[k] = []any{prev, v}
			}
			continue
		}
		out[k] = v
	}
	return out
}

// posOf is where an item starts: its first key, or (for an item whose
// keys Filter stripped) its value.
func posOf(it *ast.ObjectItem) token.Pos {
	if len(it.Keys) > 0 {
		return it.Keys[0].Pos()
	}
	if it.Val != nil {
		return it.Val.Pos()
	}
	return token.Pos{}
}
