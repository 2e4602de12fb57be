package template

import (
	"bytes"
	"crypto/md5" //nolint:gosec // md5sum is a template helper, not a security check
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// textFuncs are consul-template's helpers that need no server.
func textFuncs() map[string]any {
	return map[string]any{
		"env":                   os.Getenv,
		"envOrDefault":          envOrDefault,
		"mustEnv":               mustEnv,
		"toJSON":                toJSON,
		"toJSONPretty":          toJSONPretty,
		"toUnescapedJSON":       toUnescapedJSON,
		"toUnescapedJSONPretty": toUnescapedJSONPretty,
		"parseJSON":             parseJSON,
		"toYAML":                toYAML,
		"parseYAML":             parseYAML,
		"base64Encode":          func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		"base64Decode":          base64Decode(base64.StdEncoding),
		"base64URLEncode":       func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) },
		"base64URLDecode":       base64Decode(base64.URLEncoding),
		"toLower":               strings.ToLower,
		"toUpper":               strings.ToUpper,
		"toTitle":               strings.Title, //nolint:staticcheck // consul-template's behaviour
		"trimSpace":             strings.TrimSpace,
		"trim":                  func(cut, s string) string { return strings.Trim(s, cut) },
		"trimPrefix":            func(p, s string) string { return strings.TrimPrefix(s, p) },
		"trimSuffix":            func(p, s string) string { return strings.TrimSuffix(s, p) },
		"split": func(sep, s string) []string {
			s = strings.TrimSpace(s)
			if s == "" {
				return []string{}
			}
			return strings.Split(s, sep)
		},
		"join":            func(sep string, l []string) string { return strings.Join(l, sep) },
		"replaceAll":      func(from, to, s string) string { return strings.ReplaceAll(s, from, to) },
		"regexReplaceAll": regexReplaceAll,
		"regexMatch":      regexMatch,
		"in":              in,
		"contains":        func(v, l any) (bool, error) { return in(l, v) },
		"containsAll":     containsSome(false, false),
		"containsAny":     containsSome(true, false),
		"containsNone":    containsSome(true, true),
		"containsNotAll":  containsSome(false, true),
		"indent":          indent,
		"parseBool":       strconv.ParseBool,
		"parseFloat":      func(s string) (float64, error) { return strconv.ParseFloat(s, 64) },
		"parseInt":        func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) },
		"parseUint":       func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) },
		"sha256Hex":       func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) },
		"md5sum":          func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }, //nolint:gosec
		"timestamp":       timestamp,
		"loop":            loop,
		"file":            func(path string) (string, error) { b, err := os.ReadFile(path); return string(b), err },
		"add":             arith("add"),
		"subtract":        arith("subtract"),
		"multiply":        arith("multiply"),
		"divide":          arith("divide"),
		"modulo":          arith("modulo"),
		"minimum":         arith("minimum"),
		"maximum":         arith("maximum"),
	}
}

// consulFuncs are consul-template functions that need a Consul agent.
var consulFuncs = []string{"key", "keyExists", "keyOrDefault", "ls", "safeLs", "tree", "safeTree", "service",
	"services", "node", "nodes", "connect", "caRoots", "caLeaf", "checks", "byKey", "byTag", "byMeta", "explode",
	"nomadServices", "nomadService", "nomadVar", "nomadVarList", "nomadVarExists"}

// ErrNoConsul is what Consul's functions answer.
var ErrNoConsul = errors.New("template: Consul functions are not available: the agent talks to Coffer only")

// numErr drops the input from strconv's error: it may be a secret, and
// template errors are logged.
func numErr(fn string, err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return fmt.Errorf("template: %s: %w", fn, ne.Err)
	}
	return err
}

func envOrDefault(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func mustEnv(key string) (string, error) {
	if v, ok := os.LookupEnv(key); ok {
		return v, nil
	}
	return "", fmt.Errorf("template: environment variable %s is not set", key)
}

func marshal(v any, escape bool, indent string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escape)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("template: toJSON: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func toJSON(v any) (string, error)                { return marshal(v, true, "") }
func toJSONPretty(v any) (string, error)          { return marshal(v, true, "  ") }
func toUnescapedJSON(v any) (string, error)       { return marshal(v, false, "") }
func toUnescapedJSONPretty(v any) (string, error) { return marshal(v, false, "  ") }

func parseJSON(s string) (any, error) {
	if s == "" {
		return map[string]any{}, nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("template: parseJSON: %w", err)
	}
	return v, nil
}

func toYAML(v any) (string, error) {
	b, err := yaml.Marshal(normalizeNumbers(v))
	if err != nil {
		return "", fmt.Errorf("template: toYAML: %w", err)
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// normalizeNumbers turns json.Number (what Vault's client decodes numbers
// to) into int64 or float64, so YAML prints numbers, not strings.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalizeNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeNumbers(e)
		}
		return out
	}
	return v
}

func parseYAML(s string) (any, error) {
	if s == "" {
		return map[string]any{}, nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("template: parseYAML: %w", err)
	}
	return v, nil
}

func base64Decode(enc *base64.Encoding) func(string) (string, error) {
	return func(s string) (string, error) {
		b, err := enc.DecodeString(s)
		if err != nil {
			return "", errors.New("template: base64 decode: the input is not valid base64")
		}
		return string(b), nil
	}
}

func regexReplaceAll(re, pl, s string) (string, error) {
	r, err := regexp.Compile(re)
	if err != nil {
		return "", fmt.Errorf("template: regexReplaceAll: %w", err)
	}
	return r.ReplaceAllString(s, pl), nil
}

func regexMatch(re, s string) (bool, error) {
	r, err := regexp.Compile(re)
	if err != nil {
		return false, fmt.Errorf("template: regexMatch: %w", err)
	}
	return r.MatchString(s), nil
}

// in reports whether v is in l: a substring of a string, an element of a
// slice or array, a key of a map.
func in(l, v any) (bool, error) {
	lv := reflect.ValueOf(l)
	vv := reflect.ValueOf(v)
	switch lv.Kind() {
	case reflect.String:
		if vv.Kind() == reflect.String {
			return strings.Contains(lv.String(), vv.String()), nil
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < lv.Len(); i++ {
			if reflect.DeepEqual(lv.Index(i).Interface(), v) {
				return true, nil
			}
		}
		return false, nil
	case reflect.Map:
		if vv.IsValid() && vv.Type().AssignableTo(lv.Type().Key()) {
			return lv.MapIndex(vv).IsValid(), nil
		}
		return false, nil
	case reflect.Invalid:
		return false, nil
	}
	return false, fmt.Errorf("template: in: cannot search %T for %T", l, v)
}

// containsSome is consul-template's containsAll/Any/None/NotAll: retTrue
// says whether one hit decides, invert negates the answer.
func containsSome(retTrue, invert bool) func(v, l any) (bool, error) {
	return func(v, l any) (bool, error) {
		vv := reflect.ValueOf(v)
		if vv.Kind() != reflect.Slice && vv.Kind() != reflect.Array {
			return false, fmt.Errorf("template: contains*: the needles must be a list, not %T", v)
		}
		for i := 0; i < vv.Len(); i++ {
			ok, err := in(l, vv.Index(i).Interface())
			if err != nil {
				return false, err
			}
			if ok == retTrue {
				return !invert == retTrue, nil
			}
		}
		return !invert != retTrue, nil
	}
}

func indent(spaces int, s string) (string, error) {
	if spaces < 0 {
		return "", errors.New("template: indent: spaces must be positive")
	}
	pad := strings.Repeat(" ", spaces)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n"), nil
}

func timestamp(format ...string) string {
	now := time.Now().UTC()
	if len(format) == 0 {
		return now.Format(time.RFC3339)
	}
	if format[0] == "unix" {
		return strconv.FormatInt(now.Unix(), 10)
	}
	return now.Format(format[0])
}

// loop is `range loop 5` (0..4) or `range loop 2 5` (2..4).
func loop(ifs ...any) ([]int64, error) {
	nums := make([]int64, 0, 2)
	for _, v := range ifs {
		n, err := toInt(v)
		if err != nil {
			return nil, fmt.Errorf("template: loop: %w", err)
		}
		nums = append(nums, n)
	}
	var from, to int64
	switch len(nums) {
	case 1:
		to = nums[0]
	case 2:
		from, to = nums[0], nums[1]
	default:
		return nil, errors.New("template: loop takes one or two numbers")
	}
	if to-from > 1<<20 {
		return nil, errors.New("template: loop: range too large")
	}
	out := []int64{}
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out, nil
}
