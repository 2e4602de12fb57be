package acl

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/hcl/ast"
	"github.com/hashicorp/hcl/hcl/token"
)

// Constraints are the parameter and response-wrapping constraints of a
// path rule (Vault's allowed_parameters, denied_parameters,
// required_parameters, min_wrapping_ttl and max_wrapping_ttl).
//
// Parameter names in AllowedParameters and DeniedParameters are
// lowercased, as Vault stores them; the values are what HCL decoded:
// string, bool, int, float64, map[string]any or []any. An empty value
// list means any value. "*" as a name means every parameter.
type Constraints struct {
	AllowedParameters  map[string][]any
	DeniedParameters   map[string][]any
	RequiredParameters []string
	// Zero means no bound; as in Vault, only positive bounds apply.
	MinWrappingTTL time.Duration
	MaxWrappingTTL time.Duration
}

// IsZero reports whether c constrains nothing.
func (c *Constraints) IsZero() bool {
	return len(c.AllowedParameters) == 0 && len(c.DeniedParameters) == 0 &&
		len(c.RequiredParameters) == 0 && c.MinWrappingTTL == 0 && c.MaxWrappingTTL == 0
}

// constraints converts the decoded constraint attributes of one path
// block, validating them as Vault does.
func (ps *parser) constraints(raw hclPathRule, body *ast.ObjectList, label string, pos token.Pos) (Constraints, error) {
	var c Constraints
	var err error
	if c.AllowedParameters, err = ps.paramMap(raw.AllowedParameters, "allowed_parameters", body, label, pos); err != nil {
		return c, err
	}
	if c.DeniedParameters, err = ps.paramMap(raw.DeniedParameters, "denied_parameters", body, label, pos); err != nil {
		return c, err
	}
	for _, a := range []struct {
		name string
		raw  any
		dst  *time.Duration
	}{{"min_wrapping_ttl", raw.MinWrappingTTL, &c.MinWrappingTTL}, {"max_wrapping_ttl", raw.MaxWrappingTTL, &c.MaxWrappingTTL}} {
		if *a.dst, err = parseDurationSecond(a.raw); err != nil {
			return c, ps.errAt(ErrParse, attrPos(body, a.name, pos), "path %q: error parsing %s: %v", label, a.name, err)
		}
	}
	if c.MinWrappingTTL != 0 && c.MaxWrappingTTL != 0 && c.MaxWrappingTTL < c.MinWrappingTTL {
		return c, ps.errAt(ErrParse, attrPos(body, "max_wrapping_ttl", pos), "path %q: max_wrapping_ttl cannot be less than min_wrapping_ttl", label)
	}
	if len(raw.RequiredParameters) > 0 {
		c.RequiredParameters = raw.RequiredParameters
	}
	return c, nil
}

// paramMap lowercases the parameter names of an allowed_parameters or
// denied_parameters map. Names that Vault 1.21 reads as JSON pointers
// into nested parameters ("/a/b", "/a/*") are refused: Coffer does not
// evaluate them, and reading them as literal names would silently drop a
// denial. Other wildcards than a lone "*" are refused, as Vault does.
func (ps *parser) paramMap(raw map[string][]any, attr string, body *ast.ObjectList, label string, pos token.Pos) (map[string][]any, error) {
	if raw == nil {
		return nil, nil
	}
	out := make(map[string][]any, len(raw))
	for k, v := range raw {
		switch {
		case strings.HasPrefix(k, "/"):
			return nil, ps.errAt(ErrUnsupported, attrPos(body, attr, pos), "path %q: %s: parameter key %q: nested (JSON pointer) parameter keys are not supported by Coffer", label, attr, k)
		case k != "*" && strings.Contains(k, "*"):
			return nil, ps.errAt(ErrParse, attrPos(body, attr, pos), "path %q: %s: parameter key %q cannot contain wildcards other than a lone \"*\"", label, attr, k)
		}
		out[strings.ToLower(k)] = v
	}
	return out, nil
}

var errDuration = errors.New("could not parse duration from input")

// parseDurationSecond reads a TTL as Vault's parseutil.ParseDurationSecond
// does: a number of seconds (fractions truncated), an integer string of
// seconds, "<n>d", or a Go duration string. Negative values parse; like
// Vault, the ACL ignores bounds that are not positive.
func parseDurationSecond(v any) (time.Duration, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		if x == "" {
			return 0, nil
		}
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return mulDuration(n, time.Second)
		}
		if days, ok := strings.CutSuffix(x, "d"); ok {
			n, err := strconv.ParseInt(days, 10, 64)
			if err != nil {
				return 0, err
			}
			return mulDuration(n, 24*time.Hour)
		}
		return time.ParseDuration(x)
	case int:
		return mulDuration(int64(x), time.Second)
	case int64:
		return mulDuration(x, time.Second)
	case float64:
		if math.IsNaN(x) || x >= math.MaxInt64 || x <= math.MinInt64 {
			return 0, errDuration
		}
		return mulDuration(int64(x), time.Second)
	}
	return 0, errDuration
}

func mulDuration(n int64, unit time.Duration) (time.Duration, error) {
	d := time.Duration(n) * unit
	if n != 0 && d/time.Duration(n) != unit {
		return 0, fmt.Errorf("multiplication overflows: %d * %v", n, unit)
	}
	return d, nil
}
