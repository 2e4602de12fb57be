package acl

import (
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// checkConstraints validates the shape of the parameter and wrapping
// constraints Vault allows in a path block and returns the names of those
// present, in source order. The constraints themselves are NOT enforced.
func checkConstraints(attrs hcl.Attributes) ([]string, error) {
	var present []*hcl.Attribute
	for _, n := range unenforcedAttrs {
		if a, ok := attrs[n]; ok {
			present = append(present, a)
		}
	}
	// Source order, so error reporting and Unenforced are deterministic.
	for i := 1; i < len(present); i++ {
		for j := i; j > 0 && present[j].Range.Start.Byte < present[j-1].Range.Start.Byte; j-- {
			present[j], present[j-1] = present[j-1], present[j]
		}
	}
	var names []string
	var minTTL, maxTTL time.Duration
	for _, a := range present {
		switch a.Name {
		case "allowed_parameters", "denied_parameters":
			if err := checkParamMap(a); err != nil {
				return nil, err
			}
		case "required_parameters":
			if _, _, err := stringList(a.Expr, a.Name); err != nil {
				return nil, err
			}
		case "min_wrapping_ttl", "max_wrapping_ttl":
			d, err := durationValue(a)
			if err != nil {
				return nil, err
			}
			if a.Name == "min_wrapping_ttl" {
				minTTL = d
			} else {
				maxTTL = d
			}
			if minTTL != 0 && maxTTL != 0 && maxTTL < minTTL {
				return nil, errAt(ErrParse, a.Expr.Range(), "max_wrapping_ttl cannot be less than min_wrapping_ttl")
			}
		}
		names = append(names, a.Name)
	}
	return names, nil
}

// checkParamMap requires a map from parameter name to a list of values.
func checkParamMap(a *hcl.Attribute) error {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return diagError(diags)
	}
	t := v.Type()
	if !v.IsWhollyKnown() || v.IsNull() || !(t.IsObjectType() || t.IsMapType()) {
		return errAt(ErrParse, a.Expr.Range(), "%s must be a map of parameter name to list of values", a.Name)
	}
	for it := v.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		et := ev.Type()
		if ev.IsNull() || !(et.IsTupleType() || et.IsListType() || et.IsSetType()) {
			return errAt(ErrParse, a.Expr.Range(), "%s: value for %q must be a list", a.Name, k.AsString())
		}
	}
	return nil
}

// durationValue parses a TTL the way Vault's ParseDurationSecond does:
// a number of seconds, an integer string of seconds, "<n>d", or a Go
// duration string such as "90s" or "1h30m".
func durationValue(a *hcl.Attribute) (time.Duration, error) {
	rng := a.Expr.Range()
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return 0, diagError(diags)
	}
	bad := func() (time.Duration, error) {
		return 0, errAt(ErrParse, rng, "%s must be a duration such as \"300s\" or \"1h\"", a.Name)
	}
	if !v.IsWhollyKnown() || v.IsNull() {
		return bad()
	}
	switch v.Type() {
	case cty.Number:
		secs, acc := v.AsBigFloat().Int64()
		if acc != 0 || secs < 0 || secs > int64(time.Duration(1<<62)/time.Second) {
			return bad()
		}
		return time.Duration(secs) * time.Second, nil
	case cty.String:
		s := strings.TrimSpace(v.AsString())
		if s == "" {
			return 0, nil
		}
		if n, err := strconv.ParseInt(s, 10, 32); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, nil
		}
		if days, ok := strings.CutSuffix(s, "d"); ok {
			if n, err := strconv.ParseInt(days, 10, 16); err == nil && n >= 0 {
				return time.Duration(n) * 24 * time.Hour, nil
			}
		}
		if d, err := time.ParseDuration(s); err == nil && d >= 0 {
			return d, nil
		}
	}
	return bad()
}
