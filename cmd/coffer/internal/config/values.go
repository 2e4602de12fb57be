package config

import (
	"math/big"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// decoder turns attribute expressions into Go values with strict types,
// collecting diagnostics instead of stopping at the first.
type decoder struct {
	diags hcl.Diagnostics
}

func (d *decoder) add(diags ...*hcl.Diagnostic) { d.diags = append(d.diags, diags...) }

// value evaluates a with no variables or functions (a config file is
// data); a null is refused like a missing value would be.
func (d *decoder) value(a *hcl.Attribute) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	d.add(diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.IsNull() {
		d.add(problem(a.Expr.Range(), "Invalid value", "%s must not be null.", a.Name))
		return cty.NilVal, false
	}
	return v, true
}

// attribute evaluates attribute name for the typed decoders below, which
// all report whether it was present. ok says whether there is a value to
// convert: false when the attribute is absent, and when its value failed
// (the failure is already in the diagnostics).
func (d *decoder) attribute(attrs hcl.Attributes, name string) (a *hcl.Attribute, v cty.Value, present, ok bool) {
	a, present = attrs[name]
	if !present {
		return nil, cty.NilVal, false, false
	}
	v, ok = d.value(a)
	return a, v, true, ok
}

// wrongType reports a value of the wrong type for a, in the words HCL's own
// decoder uses.
func (d *decoder) wrongType(a *hcl.Attribute, detail string, args ...any) {
	d.add(problem(a.Expr.Range(), "Incorrect attribute value type", detail, args...))
}

// str decodes a string attribute into dst if present and reports whether
// it was.
func (d *decoder) str(attrs hcl.Attributes, name string, dst *string) bool {
	a, v, present, ok := d.attribute(attrs, name)
	if !ok {
		return present
	}
	if v.Type() != cty.String {
		d.wrongType(a, "%s must be a string, not %s.", name, v.Type().FriendlyName())
		return true
	}
	*dst = v.AsString()
	return true
}

// boolean decodes a boolean attribute. Strings "true"/"false" (and the
// other forms strconv.ParseBool accepts) and the numbers 0 and 1 are taken
// too: Vault's documentation writes `tls_disable = 1` and `= "true"`.
func (d *decoder) boolean(attrs hcl.Attributes, name string, dst *bool) bool {
	a, v, present, ok := d.attribute(attrs, name)
	if !ok {
		return present
	}
	switch v.Type() {
	case cty.Bool:
		*dst = v.True()
		return true
	case cty.String:
		if b, err := strconv.ParseBool(v.AsString()); err == nil {
			*dst = b
			return true
		}
	case cty.Number:
		switch {
		case v.AsBigFloat().Cmp(big.NewFloat(0)) == 0:
			*dst = false
			return true
		case v.AsBigFloat().Cmp(big.NewFloat(1)) == 0:
			*dst = true
			return true
		}
	}
	d.wrongType(a, "%s must be a boolean (true or false).", name)
	return true
}

// integer decodes a whole-number attribute.
func (d *decoder) integer(attrs hcl.Attributes, name string, dst *int) bool {
	a, v, present, ok := d.attribute(attrs, name)
	if !ok {
		return present
	}
	if v.Type() != cty.Number {
		d.wrongType(a, "%s must be a number, not %s.", name, v.Type().FriendlyName())
		return true
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != big.Exact || i < -1<<31 || i > 1<<31-1 {
		d.add(problem(a.Expr.Range(), "Invalid value", "%s must be a whole number.", name))
		return true
	}
	*dst = int(i)
	return true
}

// strings decodes a list of strings.
func (d *decoder) strings(attrs hcl.Attributes, name string, dst *[]string) bool {
	a, v, present, ok := d.attribute(attrs, name)
	if !ok {
		return present
	}
	t := v.Type()
	if !t.IsListType() && !t.IsTupleType() && !t.IsSetType() {
		d.wrongType(a, "%s must be a list of strings, not %s.", name, t.FriendlyName())
		return true
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			d.wrongType(a, "%s must be a list of strings.", name)
			return true
		}
		out = append(out, e.AsString())
	}
	*dst = out
	return true
}

// rangeOf is the range of attribute name's value, or fallback if the
// attribute is absent.
func rangeOf(attrs hcl.Attributes, name string, fallback hcl.Range) hcl.Range {
	if a, ok := attrs[name]; ok {
		return a.Expr.Range()
	}
	return fallback
}
